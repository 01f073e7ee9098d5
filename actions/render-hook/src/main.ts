import type { ActionContext } from '../../shared/context';
import { ActionFailure, errorMessage } from '../../shared/errors';
import { classifyHttpError } from '../../shared/http';
import { inertInline } from '../../shared/outside-text';
import { withRetry } from '../../shared/retry';
import type { Summary } from '../../shared/runner';
import { runMainStep } from '../../shared/step';
import { escapeHtml, tableRows } from '../../shared/summary';
import { findTriggeredDeploy, triggerDeploy, waitForDeploy } from './deploy';
import { getInputs } from './inputs';
import { RenderApi, type RenderService } from './render-api';
import { dashboardUrl, summaryRows, type DeployReport } from './report';

export async function run(): Promise<void> {
  await runMainStep(main);
}

export async function main(ctx: ActionContext): Promise<void> {
  const { runner, log, clock } = ctx;
  const startedAt = clock.now();
  const inputs = getInputs(runner);
  // `timeout` bounds the whole step, hook retries included.
  const deadline = startedAt + inputs.timeoutMs;
  const serviceId = inputs.hook.serviceId;
  const report: DeployReport = { serviceId, imageUrl: inputs.imageUrl, status: '' };
  const api = inputs.apiKey
    ? new RenderApi(inputs.apiUrl, inputs.apiKey, ctx.http, clock)
    : undefined;

  try {
    // With an API key, the service is looked up first: a key that cannot follow the deploy
    // must fail the step before a deploy is started, not after.
    const service = api
      ? await lookUpService(api, serviceId, inputs.wait, deadline, ctx)
      : undefined;
    report.serviceName = typeof service?.name === 'string' ? service.name : undefined;

    const trigger = await triggerDeploy(inputs.hook, inputs.imageUrl, deadline, ctx);
    report.status = 'triggered';
    report.deployId = trigger.deployId;
    if (api && inputs.wait && !report.deployId) {
      report.deployId = (
        await findTriggeredDeploy(api, serviceId, trigger, inputs.imageUrl, deadline, ctx)
      ).id;
    }
    report.dashboardUrl = dashboardUrl(serviceId, service, report.deployId);
    // Render's ids, statuses and URLs are outside text: printed inert (outside-text.ts).
    const shownId = inertInline(report.deployId ?? '(Render named none)');
    const shownUrl = inertInline(report.dashboardUrl);
    log.info(
      `Triggered deploy ${shownId} of ${serviceId}` +
        `${inputs.imageUrl ? ` with image ${inputs.imageUrl}` : ''}: ${shownUrl}`,
    );

    if (api && inputs.wait && report.deployId) {
      const target = { serviceId, deployId: report.deployId, startedAt, deadline };
      const result = await waitForDeploy(
        api,
        { ...target, pollIntervalMs: inputs.pollIntervalMs },
        ctx,
        (status) => (report.status = status),
      );
      if (result.outcome === 'failed') {
        throw new ActionFailure(
          `Deploy ${shownId} of ${serviceId} ended with status ${inertInline(result.status)}. Its logs: ${shownUrl}`,
        );
      }
      if (result.outcome === 'replaced') {
        log.warning(
          `Deploy ${shownId} went live, but a newer deploy has since replaced it (status ${inertInline(result.status)}).`,
        );
      }
    }
  } finally {
    report.elapsedMs = clock.now() - startedAt;
    runner.setOutput('service-id', serviceId);
    runner.setOutput('deploy-id', report.deployId ?? '');
    runner.setOutput('status', report.status);
    runner.setOutput('dashboard-url', report.dashboardUrl ?? dashboardUrl(serviceId, undefined));
    await writeSummary(ctx.summary, report);
  }
}

async function lookUpService(
  api: RenderApi,
  serviceId: string,
  required: boolean,
  deadline: number,
  { clock, log }: Pick<ActionContext, 'clock' | 'log'>,
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
      `Could not look up ${serviceId} with 'api-key' (${inertInline(errorMessage(error))}); carrying on without it.`,
    );
    return undefined;
  }
}

/** The table's cells are escaped by tableRows; the link's address, in an attribute, here. */
async function writeSummary(summary: Summary, report: DeployReport): Promise<void> {
  const written = summary.addHeading('Render deploy', 3).addTable(tableRows(summaryRows(report)));
  if (report.dashboardUrl) {
    written.addLink('Open the deploy on Render', escapeHtml(report.dashboardUrl));
  }
  await written.write();
}
