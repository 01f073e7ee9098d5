import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ActionContext } from '../../shared/context';
import { formatDuration } from '../../shared/duration';
import { ActionFailure } from '../../shared/errors';
import type { Summary } from '../../shared/runner';
import { runMainStep } from '../../shared/step';
import { escapeHtml, tableRows } from '../../shared/summary';
import { checkHost } from './check-host';
import { describeDns, hasDns } from './dns';
import { getInputs, type Inputs } from './inputs';
import { ensureTools } from './install';
import { tunnelRoutes } from './network';
import { OpenVpnTunnel } from './openvpn-tunnel';
import { redactSecrets } from './redact';
import { applyDns } from './resolver';
import { summaryRows, type ConnectionReport } from './report';
import { saveRecord, type TunnelRecord } from './state';
import { checkSudo, currentPrivilege, type Privilege } from './system';
import { teardown } from './teardown';
import { refuseDefaultRoutes, type Tunnel, type TunnelContext } from './tunnel';
import { WireGuardTunnel } from './wireguard-tunnel';

// check-host gets what is left of connect-timeout, but never less than this.
const MIN_CHECK_MS = 5_000;

export async function run(): Promise<void> {
  await runMainStep(main);
}

export async function main(ctx: ActionContext): Promise<void> {
  const { runner, log, clock } = ctx;
  const inputs = getInputs(runner, ctx.env);
  if (process.platform !== 'linux') {
    throw new ActionFailure(
      `vpn-connect runs on Linux runners only; this one runs ${process.platform}.`,
    );
  }
  const privilege = currentPrivilege();
  await checkSudo(ctx, privilege);
  await ensureTools(ctx, inputs.type, inputs.install, privilege);

  const tunnel = tunnelFor(inputs, ctx, privilege, makeWorkDir(ctx.env));
  // Saved again as each thing exists, so that post can clean up after a step that died.
  let record: TunnelRecord = tunnel.record;
  saveRecord(runner, record);
  const keep = (found: Partial<TunnelRecord>) => {
    record = { ...record, ...found };
    saveRecord(runner, record);
  };

  const report: ConnectionReport = { type: inputs.type, server: tunnel.describe() };
  const startedAt = clock.now();
  const deadline = startedAt + inputs.connectTimeoutMs;
  try {
    await tunnel.writeConfig();
    const { server, device, localIp, dns } = await tunnel.connect(deadline, keep);
    const connectedMs = clock.now() - startedAt;
    Object.assign(report, { server, device, localIp, connectedMs });
    const routes = await tunnelRoutes(ctx.exec, device);
    report.routes = routes;
    log.info(
      `Connected to ${server} in ${formatDuration(connectedMs)}: ` +
        `interface ${device}, local IP ${localIp}, routes ${routes.join(', ') || '(none)'}.`,
    );
    // The config's lines were checked before; this is what the server pushed.
    if (!inputs.fullTunnel) refuseDefaultRoutes(routes);
    if (hasDns(dns)) {
      // Before check-host, which may name a host that only the tunnel's DNS knows.
      if (inputs.dns) await applyDns(ctx, privilege, device, dns, keep);
      else log.info(`dns is false: the tunnel's DNS (${describeDns(dns)}) is not used.`);
    }
    if (inputs.checkHost) {
      const checkDeadline = Math.max(deadline, clock.now() + MIN_CHECK_MS);
      await checkHost(ctx, inputs.checkHost, device, checkDeadline);
    }
    // Only a tunnel that is up, and stays up, is described in the outputs.
    runner.setOutput('interface', device);
    runner.setOutput('local-ip', localIp);
    runner.setOutput('routes', routes.join(','));
  } catch (error) {
    // OpenVPN's own words may quote the config: keep secrets out of the step's error too.
    if (error instanceof Error) error.message = redactSecrets(error.message, inputs.secrets);
    report.failure = error instanceof Error ? error.message : String(error);
    await tunnel.explainFailure();
    log.info('Taking the tunnel down after the failure.');
    keep({ closed: await teardown(ctx, record, privilege) });
    throw error;
  } finally {
    if (ctx.env.GITHUB_STEP_SUMMARY) await writeSummary(ctx.summary, report);
  }
}

/** The one place that picks the implementation the `type` input asks for. */
function tunnelFor(
  inputs: Inputs,
  ctx: TunnelContext,
  privilege: Privilege,
  workDir: string,
): Tunnel {
  return inputs.type === 'openvpn'
    ? new OpenVpnTunnel(ctx, inputs, privilege, workDir)
    : new WireGuardTunnel(ctx, inputs, privilege, workDir);
}

/** The action's own folder under RUNNER_TEMP, which only the runner's user can enter. */
function makeWorkDir(env: NodeJS.ProcessEnv): string {
  const workDir = mkdtempSync(path.join(env.RUNNER_TEMP || tmpdir(), 'vpn-connect-'));
  chmodSync(workDir, 0o700);
  return workDir;
}

async function writeSummary(summary: Summary, report: ConnectionReport): Promise<void> {
  summary.addHeading('VPN connection', 3).addTable(tableRows(summaryRows(report)));
  // The failure quotes OpenVPN's log, which is not ours to trust as markup.
  if (report.failure) summary.addRaw(`Not connected: ${escapeHtml(report.failure)}`, true);
  await summary.write();
}
