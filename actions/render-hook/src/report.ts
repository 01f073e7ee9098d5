import { formatDuration } from '../../shared/duration';
import type { RenderService } from './render-api';

/** What the step learned, filled in as it goes, so a failure still reports what is known. */
export interface DeployReport {
  serviceId: string;
  serviceName?: string;
  imageUrl?: string;
  deployId?: string;
  /** `triggered` when not waiting; else the last status Render gave; empty before the trigger. */
  status: string;
  dashboardUrl?: string;
  elapsedMs?: number;
}

const DASHBOARD = 'https://dashboard.render.com';

/**
 * The deploy's page on Render's dashboard. The service's own dashboard URL is exact; without
 * API access the URL is built from the id's kind (a guess for private services and workers,
 * which Render redirects).
 */
export function dashboardUrl(
  serviceId: string,
  service: RenderService | undefined,
  deployId?: string,
): string {
  const base =
    service?.dashboardUrl ??
    `${DASHBOARD}/${serviceId.startsWith('crn-') ? 'cron' : 'web'}/${serviceId}`;
  return deployId ? `${base.replace(/\/+$/, '')}/deploys/${deployId}` : base;
}

/** The job summary's table, as rows of cells; the first row is the header. */
export function summaryRows(report: DeployReport): string[][] {
  const service = report.serviceName
    ? `${report.serviceName} (${report.serviceId})`
    : report.serviceId;
  return [
    ['Service', 'Deploy', 'Image', 'Status', 'Time taken'],
    [
      service,
      report.deployId ?? '(not named by Render)',
      report.imageUrl ?? "(the service's configured image or branch)",
      report.status || 'not triggered',
      report.elapsedMs === undefined ? '' : formatDuration(report.elapsedMs),
    ],
  ];
}
