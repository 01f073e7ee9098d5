import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { formatDuration } from '../../shared/duration';
import { ActionFailure } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import * as runner from '../../shared/runner';
import { escapeHtml, tableRows } from '../../shared/summary';
import { formatHostPort, probeUntil, resolveHost, type HostPort } from './check-host';
import { getInputs, type Inputs } from './inputs';
import { ensureTools } from './install';
import { interfaceIndex, interfaceWithAddress, routeDevice, tunnelRoutes } from './network';
import { connectOpenVpn, readOpenVpnLog, type OpenVpnLaunch } from './openvpn';
import { buildOpenVpnCopy, pullsOptions, redactOpenVpnConfig, remotesOf } from './openvpn-config';
import { redactSecrets } from './redact';
import { summaryRows, type ConnectionReport } from './report';
import { saveRecord, type TunnelRecord } from './state';
import { isOurProcess, teardown } from './teardown';
import {
  currentPrivilege,
  describeFailure,
  findExecutable,
  findProcesses,
  run,
  type Privilege,
} from './system';
import { waitForHandshakes, wgQuickUp } from './wireguard';
import {
  buildWireGuardCopy,
  localAddress,
  redactWireGuardConfig,
  type WireGuardConfig,
} from './wireguard-config';

const log: Logger = { info: runner.info, warning: runner.warning, debug: runner.debug };

// A unix socket path holds at most 107 bytes.
const MAX_SOCKET_PATH = 100;
// check-host gets what is left of connect-timeout, but never less than this.
const MIN_CHECK_MS = 5_000;

export async function main(): Promise<void> {
  const inputs = getInputs();
  if (process.platform !== 'linux') {
    throw new ActionFailure(
      `vpn-connect runs on Linux runners only; this one runs ${process.platform}.`,
    );
  }
  const privilege = currentPrivilege();
  await checkSudo(privilege);
  await ensureTools(inputs.type, inputs.install, privilege, log);

  const workDir = mkdtempSync(path.join(process.env.RUNNER_TEMP || tmpdir(), 'vpn-connect-'));
  chmodSync(workDir, 0o700);
  const device = inputs.type === 'wireguard' ? `wg${randomBytes(4).toString('hex')}` : undefined;
  const record: TunnelRecord = {
    type: inputs.type,
    workDir,
    configPath: path.join(workDir, device ? `${device}.conf` : 'client.ovpn'),
    device,
  };
  saveRecord(record);

  const report: ConnectionReport = { type: inputs.type, server: serverOf(inputs) };
  const startedAt = Date.now();
  const deadline = startedAt + inputs.connectTimeoutMs;
  let failureDetail: (() => Promise<void>) | undefined;
  try {
    if (inputs.type === 'openvpn') {
      const logFile = path.join(workDir, 'openvpn.log');
      failureDetail = () => printLog('OpenVPN log', readOpenVpnLog(logFile, privilege), inputs);
      await startOpenVpn(inputs, record, logFile, privilege, deadline, report);
    } else {
      await startWireGuard(inputs, record, privilege, deadline, report, (output) => {
        failureDetail = () => printLog('wg-quick output', Promise.resolve(output), inputs);
      });
    }
    report.connectedMs = Date.now() - startedAt;
    report.routes = await tunnelRoutes(report.device!);
    log.info(
      `Connected to ${report.server} in ${formatDuration(report.connectedMs)}: ` +
        `interface ${report.device}, local IP ${report.localIp}, routes ${report.routes.join(', ') || '(none)'}.`,
    );
    if (inputs.checkHost) {
      await checkHost(
        inputs.checkHost,
        report.device!,
        Math.max(deadline, Date.now() + MIN_CHECK_MS),
      );
    }
    // Only a tunnel that is up, and stays up, is described in the outputs.
    runner.setOutput('interface', report.device ?? '');
    runner.setOutput('local-ip', report.localIp ?? '');
    runner.setOutput('routes', report.routes.join(','));
  } catch (error) {
    // OpenVPN's own words may quote the config: keep secrets out of the step's error too.
    if (error instanceof Error) error.message = redactSecrets(error.message, inputs.secrets);
    report.failure = error instanceof Error ? error.message : String(error);
    await failureDetail?.();
    log.info('Taking the tunnel down after the failure.');
    record.closed = await teardown(record, privilege, log);
    saveRecord(record);
    throw error;
  } finally {
    await writeSummary(report);
  }
}

async function checkSudo(privilege: Privilege): Promise<void> {
  if (privilege.isRoot) return;
  const probe = await run('sudo', ['-n', 'true'], { timeoutMs: 10_000 });
  if (probe.code !== 0) {
    throw new ActionFailure(
      `This step runs as ${userInfo().username}, not root, and 'sudo -n' does not work here (${describeFailure(probe)}). ` +
        'Creating a tunnel interface needs root: use a runner whose user has password-less sudo (GitHub-hosted runners do), or run the job as root.',
    );
  }
  log.info(`Running the VPN programs through sudo, as this step runs as ${userInfo().username}.`);
}

function serverOf(inputs: Inputs): string {
  if (inputs.openvpn) {
    const [first] = remotesOf(inputs.openvpn.items);
    return first ? `${first.host}:${first.port}` : '';
  }
  return (inputs.wireguard?.peers ?? [])
    .map((peer) => peer.endpoint)
    .filter(Boolean)
    .join(', ');
}

/** Writes a file only the runner's user can read. */
function writePrivate(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function echoConfig(title: string, text: string, inputs: Inputs): Promise<void> {
  return runner.group(title, () => {
    runner.info(redactSecrets(text, inputs.secrets));
    return Promise.resolve();
  });
}

function noticeDropped(dropped: { name: string; reason: string }[], file: string): void {
  if (dropped.length === 0) return;
  const byReason = new Map<string, string[]>();
  for (const { name, reason } of dropped)
    byReason.set(reason, [...(byReason.get(reason) ?? []), name]);
  const parts = [...byReason].map(([reason, names]) => `${names.join(', ')} (${reason})`);
  runner.notice(
    `The action's copy of ${file} leaves out ${parts.join('; ')}. The file itself is unchanged.`,
  );
}

async function startOpenVpn(
  inputs: Inputs,
  record: TunnelRecord,
  logFile: string,
  privilege: Privilege,
  deadline: number,
  report: ConnectionReport,
): Promise<void> {
  const { items, credentials } = inputs.openvpn!;
  const workDir = record.workDir;
  const authFile = credentials.username ? path.join(workDir, 'auth.txt') : undefined;
  const askPassFile = credentials.keyPassphrase ? path.join(workDir, 'askpass.txt') : undefined;
  if (authFile) writePrivate(authFile, `${credentials.username}\n${credentials.password}\n`);
  if (askPassFile) writePrivate(askPassFile, `${credentials.keyPassphrase}\n`);
  const copy = buildOpenVpnCopy(items, {
    credentials,
    authFile,
    askPassFile,
    fullTunnel: inputs.fullTunnel,
  });
  writePrivate(record.configPath, copy.text);
  noticeDropped(copy.dropped, inputs.configFile ? path.basename(inputs.configFile) : "'config'");
  if (inputs.echoConfig) {
    await echoConfig(
      'Effective OpenVPN config (secrets redacted)',
      redactOpenVpnConfig(copy.text),
      inputs,
    );
  }

  let socketPath = path.join(workDir, 'management.sock');
  if (socketPath.length > MAX_SOCKET_PATH) {
    record.socketDir = mkdtempSync(path.join(tmpdir(), 'vpn-connect-'));
    socketPath = path.join(record.socketDir, 'management.sock');
  }
  record.pidFile = path.join(workDir, 'openvpn.pid');
  saveRecord(record);

  const launch: OpenVpnLaunch = {
    program: findExecutable('openvpn') ?? 'openvpn',
    configPath: record.configPath,
    configDir: inputs.configDir,
    logFile,
    pidFile: record.pidFile,
    socketPath,
    filterDefaultRoute: !inputs.fullTunnel && pullsOptions(items),
    managementUser: privilege.isRoot ? undefined : userInfo().username,
  };
  const connected = await connectOpenVpn(
    launch,
    privilege,
    deadline,
    inputs.connectTimeoutMs,
    (pid) => {
      record.pid = pid;
      saveRecord(record);
    },
  );
  if (connected.withErrors) {
    log.warning(
      'OpenVPN connected, but reported errors while setting up (often a route it could not add): see the log below.',
    );
    await printLog('OpenVPN log', readOpenVpnLog(logFile, privilege), inputs);
  }
  record.device = connected.device ?? (await interfaceWithAddress(connected.localIp));
  if (!record.device) {
    throw new ActionFailure(
      `OpenVPN connected, but no interface holds its address ${connected.localIp}.`,
    );
  }
  record.deviceIndex = await interfaceIndex(record.device);
  saveRecord(record);
  report.server = connected.remote || report.server;
  report.device = record.device;
  report.localIp = connected.localIp;
}

async function startWireGuard(
  inputs: Inputs,
  record: TunnelRecord,
  privilege: Privilege,
  deadline: number,
  report: ConnectionReport,
  onFailure: (output: string) => void,
): Promise<void> {
  const config: WireGuardConfig = inputs.wireguard!;
  const device = record.device!;
  const copy = buildWireGuardCopy(config, {
    resolvconf: findExecutable('resolvconf') !== undefined,
  });
  writePrivate(record.configPath, copy.text);
  noticeDropped(copy.dropped, inputs.configFile ? path.basename(inputs.configFile) : "'config'");
  if (inputs.echoConfig) {
    await echoConfig(
      'Effective WireGuard config (secrets redacted)',
      redactWireGuardConfig(copy.text),
      inputs,
    );
  }

  const up = await wgQuickUp(
    findExecutable('wg-quick') ?? 'wg-quick',
    record.configPath,
    privilege,
    deadline,
  );
  record.deviceIndex = await interfaceIndex(device);
  [record.pid] = findProcesses((argv) => isOurProcess(argv, record));
  saveRecord(record);
  const output = redactSecrets(`${up.stdout}${up.stderr}`.trimEnd(), inputs.secrets);
  if (up.code !== 0) {
    onFailure(output);
    throw new ActionFailure(
      `wg-quick up failed: ${redactSecrets(describeFailure(up), inputs.secrets)}`,
    );
  }
  await runner.group(`wg-quick up ${device}`, () => {
    runner.info(output);
    return Promise.resolve();
  });
  await waitForHandshakes(
    findExecutable('wg') ?? 'wg',
    device,
    config,
    privilege,
    deadline,
    inputs.connectTimeoutMs,
  );
  report.device = device;
  report.localIp = localAddress(config);
}

async function printLog(title: string, text: Promise<string>, inputs: Inputs): Promise<void> {
  const content = (await text).trimEnd();
  if (content === '') return;
  await runner.group(title, () => {
    runner.info(redactSecrets(content, inputs.secrets));
    return Promise.resolve();
  });
}

async function checkHost(target: HostPort, device: string, deadline: number): Promise<void> {
  const shown = formatHostPort(target);
  let address: string;
  try {
    address = await resolveHost(target.host);
  } catch (error) {
    throw new ActionFailure(
      `check-host ${shown}: the name does not resolve (${(error as NodeJS.ErrnoException).code ?? String(error)}). Use the host's address inside the VPN.`,
    );
  }
  const via = await routeDevice(address);
  if (via && via !== device) {
    log.warning(
      `check-host ${shown} is reached through ${via}, not through the tunnel's ${device}: its answer says nothing about the tunnel.`,
    );
  }
  const started = Date.now();
  const problem = await probeUntil(address, target.port, deadline);
  if (problem !== undefined) {
    throw new ActionFailure(
      `check-host ${shown} did not accept a TCP connection through the tunnel within ${formatDuration(Date.now() - started)} (${problem}). ` +
        'The tunnel is up, but the host is not reachable through it: check the address, the port, and the routes the server pushes.',
    );
  }
  log.info(`check-host ${shown} accepted a TCP connection through ${via ?? device}.`);
}

async function writeSummary(report: ConnectionReport): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const summary = runner.summary
    .addHeading('VPN connection', 3)
    .addTable(tableRows(summaryRows(report)));
  // The failure quotes OpenVPN's log, which is not ours to trust as markup.
  if (report.failure) summary.addRaw(`Not connected: ${escapeHtml(report.failure)}`, true);
  await summary.write();
}
