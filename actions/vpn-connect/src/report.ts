import { formatDuration } from '../../shared/duration';
import { EMPTY_CELL } from '../../shared/summary';

/** What the step learned, filled in as it goes, so that a failure still reports what is known. */
export interface ConnectionReport {
  type: 'openvpn' | 'wireguard';
  server: string;
  device?: string;
  localIp?: string;
  routes?: string[];
  connectedMs?: number;
  failure?: string;
}

/** The job summary's table, as rows of cells; the first row is the header. */
export function summaryRows(report: ConnectionReport): string[][] {
  return [
    ['Type', 'Server', 'Interface', 'Local IP', 'Routes', 'Time to connect'],
    [
      report.type === 'openvpn' ? 'OpenVPN' : 'WireGuard',
      report.server,
      report.device,
      report.localIp,
      report.routes?.join(', '),
      report.connectedMs === undefined ? 'not connected' : formatDuration(report.connectedMs),
      // What is not known yet is shown the way the summary table shows any empty cell.
    ].map((cell) => cell || EMPTY_CELL),
  ];
}
