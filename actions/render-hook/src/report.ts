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
 * API access, or when Render's answer holds no https URL, the URL is built from the id's kind
 * (a guess for private services and workers, which Render redirects). The deploy id, from
 * Render's answers, is percent-encoded into one path segment.
 */
export function dashboardUrl(
  serviceId: string,
  service: RenderService | undefined,
  deployId?: string,
): string {
  const base =
    httpsUrl(service?.dashboardUrl) ??
    `${DASHBOARD}/${serviceId.startsWith('crn-') ? 'cron' : 'web'}/${encodeURIComponent(serviceId)}`;
  return deployId ? `${base.replace(/\/+$/, '')}/deploys/${encodeURIComponent(deployId)}` : base;
}

/** An https page's address without query or fragment, so that a path can follow it. */
function httpsUrl(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' ? `${url.origin}${url.pathname}` : undefined;
  } catch {
    return undefined;
  }
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
