import { ActionFailure, errorMessage } from '../../shared/errors';
import { classifyHttpError, fetchHttpClient } from '../../shared/http';
import type { Logger } from '../../shared/logger';
import { systemClock, withRetry } from '../../shared/retry';
import * as runner from '../../shared/runner';
import { tableRows } from '../../shared/summary';
import { findTriggeredDeploy, triggerDeploy, waitForDeploy, type Ports } from './deploy';
import { getInputs } from './inputs';
import { RenderApi, type RenderService } from './render-api';
import { dashboardUrl, summaryRows, type DeployReport } from './report';

const log: Logger = { info: runner.info, warning: runner.warning, debug: runner.debug };

export async function main(): Promise<void> {
  const startedAt = Date.now();
  const inputs = getInputs();
  const ports: Ports = { http: fetchHttpClient, clock: systemClock, log };
  // `timeout` bounds the whole step, hook retries included.
  const deadline = startedAt + inputs.timeoutMs;
  const serviceId = inputs.hook.serviceId;
  const report: DeployReport = { serviceId, imageUrl: inputs.imageUrl, status: '' };
  const api = inputs.apiKey
    ? new RenderApi(inputs.apiUrl, inputs.apiKey, ports.http, ports.clock)
    : undefined;

  try {
    // With an API key, the service is looked up first: a key that cannot follow the deploy
    // must fail the step before a deploy is started, not after.
    const service = api
      ? await lookUpService(api, serviceId, inputs.wait, deadline, ports)
      : undefined;
    report.serviceName = service?.name;

    const trigger = await triggerDeploy(inputs.hook, inputs.imageUrl, deadline, ports);
    report.status = 'triggered';
    report.deployId = trigger.deployId;
    if (api && inputs.wait && !report.deployId) {
      report.deployId = (
        await findTriggeredDeploy(api, serviceId, trigger, inputs.imageUrl, deadline, ports)
      ).id;
    }
    report.dashboardUrl = dashboardUrl(serviceId, service, report.deployId);
    log.info(
      `Triggered deploy ${report.deployId ?? '(Render named none)'} of ${serviceId}` +
        `${inputs.imageUrl ? ` with image ${inputs.imageUrl}` : ''}: ${report.dashboardUrl}`,
    );

    if (api && inputs.wait && report.deployId) {
      const target = { serviceId, deployId: report.deployId, startedAt, deadline };
      const result = await waitForDeploy(
        api,
        { ...target, pollIntervalMs: inputs.pollIntervalMs },
        ports,
        (status) => (report.status = status),
      );
      if (result.outcome === 'failed') {
        throw new ActionFailure(
          `Deploy ${report.deployId} of ${serviceId} ended with status ${result.status}. Its logs: ${report.dashboardUrl}`,
        );
      }
      if (result.outcome === 'replaced') {
        log.warning(
          `Deploy ${report.deployId} went live, but a newer deploy has since replaced it (status ${result.status}).`,
        );
      }
    }
  } finally {
    report.elapsedMs = Date.now() - startedAt;
    runner.setOutput('service-id', serviceId);
    runner.setOutput('deploy-id', report.deployId ?? '');
    runner.setOutput('status', report.status);
    runner.setOutput('dashboard-url', report.dashboardUrl ?? dashboardUrl(serviceId, undefined));
    await writeSummary(report);
  }
}

async function lookUpService(
  api: RenderApi,
  serviceId: string,
  required: boolean,
  deadline: number,
  { clock, log }: Ports,
): Promise<RenderService | undefined> {
  try {
    return await withRetry(() => api.getService(serviceId, deadline - clock.now()), {
      attempts: 3,
      backoff: { initialMs: 1_000, maxMs: 4_000 },
      clock,
      deadline,
      classify: classifyHttpError,
    });
  } catch (error) {
    if (required) throw error;
    log.warning(
      `Could not look up ${serviceId} with 'api-key' (${errorMessage(error)}); carrying on without it.`,
    );
    return undefined;
  }
}

async function writeSummary(report: DeployReport): Promise<void> {
  const summary = runner.summary
    .addHeading('Render deploy', 3)
    .addTable(tableRows(summaryRows(report)));
  if (report.dashboardUrl) summary.addLink('Open the deploy on Render', report.dashboardUrl);
  await summary.write();
}
