import type { ActionContext } from '../../shared/context';
import { readFileSync } from 'node:fs';
import { ActionFailure, ConfigurationError, errorMessage } from '../../shared/errors';
import { runMainStep } from '../../shared/step';
import { escapeHtml, tableRows } from '../../shared/summary';
import { Connector } from './connector';
import { deployContainerOn } from './deploy-container';
import { failureMessage, fanOut, type HostOutcome } from './fan-out';
import { chooseLayout, HostLog } from './host-log';
import { getInputs, type Inputs, type ServiceMode, type StackMode } from './inputs';
import { scriptProgram } from './remote-shell';
import { resultsJson, serviceResultsJson, serviceSummary, summaryRows } from './report';
import { runScriptOn } from './run-script';
import { loadSsh2, readPrivateKey, type Credentials } from './ssh';
import { maskSecret } from '../../shared/mask';
import { planStack } from './stack-file';
import { deployService, deployStack, type ServiceOutcome } from './swarm-deploy';

/** The `stdout` output of a single host keeps this many characters (outputs are size-limited). */
const STDOUT_OUTPUT_CHARACTERS = 1_000_000;

export async function run(): Promise<void> {
  await runMainStep(main);
}

export async function main(ctx: ActionContext): Promise<void> {
  const inputs = getInputs(ctx.runner, ctx.env);
  for (const note of inputs.notes) ctx.log.warning(note);
  if (inputs.insecure) {
    ctx.log.warning(
      "insecure-skip-host-key-check is on: the servers' identity is not checked, so anyone on the network path could pose as them and receive the credentials and the script. Set 'fingerprint' or 'known-hosts' instead.",
    );
  }
  // Every input is read and checked: only now is ssh2 worth loading, to read the keys.
  await loadSsh2();
  checkKeys(inputs, (value) => maskSecret(value, (form) => ctx.runner.setSecret(form)));

  const connector = new Connector(inputs, ctx);
  const layout = chooseLayout(inputs.targets.length, inputs.parallel);
  const hostLog = (label: string) => new HostLog(label, layout, (line) => ctx.runner.info(line));
  const mode = inputs.mode;
  if (mode.kind === 'service' || mode.kind === 'stack') {
    await runSwarmMode(ctx, inputs, mode, connector);
    return;
  }
  let outcomes: HostOutcome[];
  try {
    if (mode.kind === 'script') {
      const script = {
        program: scriptProgram(mode.script, mode.variables),
        timeoutMs: inputs.commandTimeoutMs,
        keptStdout: STDOUT_OUTPUT_CHARACTERS,
      };
      outcomes = await fanOut(inputs.targets, inputs, (target) =>
        runScriptOn(target, script, connector, hostLog(target.label), ctx.clock),
      );
    } else {
      outcomes = await fanOut(inputs.targets, inputs, (target) =>
        deployContainerOn(
          target,
          mode,
          inputs.commandTimeoutMs,
          connector,
          hostLog(target.label),
          ctx.clock,
        ),
      );
    }
  } finally {
    await connector.closeAll();
  }

  writeOutputs(ctx, mode.kind, outcomes);
  await writeSummary(ctx, outcomes, mode.kind);
  const failure = failureMessage(outcomes, mode.kind === 'script' ? 'The script' : 'The deploy');
  if (failure) {
    if (outcomes.length > 1) {
      for (const outcome of outcomes) {
        if (outcome.status === 'failed' || outcome.status === 'rolled-back') {
          ctx.log.error(outcome.error ?? `${outcome.host}: ${outcome.status}`);
        }
      }
    }
    throw new ActionFailure(failure);
  }
}

async function runSwarmMode(
  ctx: ActionContext,
  inputs: Inputs,
  mode: ServiceMode | StackMode,
  connector: Connector,
): Promise<void> {
  const label = mode.kind === 'service' ? mode.spec.service : mode.stack;
  const log = new HostLog(label, 'single', (line) => ctx.runner.info(line));
  let outcomes: ServiceOutcome[];
  try {
    if (mode.kind === 'service') {
      outcomes = [
        await deployService(
          inputs.targets,
          mode,
          inputs.commandTimeoutMs,
          connector,
          log,
          ctx.clock,
          ctx.log,
        ),
      ];
    } else {
      const plan = planStack(
        await import('yaml'),
        mode.composeFile.given,
        readComposeFile(mode),
        mode.image,
        mode.stackServices,
      );
      outcomes = await deployStack(
        inputs.targets,
        mode,
        plan,
        inputs.commandTimeoutMs,
        connector,
        log,
        ctx.clock,
        ctx.log,
      );
    }
  } finally {
    await connector.closeAll();
  }
  const first = outcomes.find((outcome) => outcome.deployedImage !== '') ?? outcomes[0];
  ctx.runner.setOutput('results', serviceResultsJson(outcomes));
  ctx.runner.setOutput('previous-image', first.previousImage);
  ctx.runner.setOutput('deployed-image', first.deployedImage);
  const summary = ctx.summary.addHeading(
    mode.kind === 'service' ? 'Swarm deploy' : `Swarm stack ${escapeHtml(mode.stack)}`,
    3,
  );
  for (const [index, section] of serviceSummary(outcomes).entries()) {
    summary.addHeading(escapeHtml(section.heading), 4).addTable(tableRows(section.rows));
    if (section.log.length > 0) {
      summary.addDetails(
        `${escapeHtml(outcomes[index].service)}: the failed task's last log lines`,
        `<pre>${escapeHtml(section.log.join('\n'))}</pre>`,
      );
    }
  }
  await summary.write();
  const bad = outcomes.filter(
    (outcome) => !['updated', 'created', 'unchanged'].includes(outcome.status),
  );
  if (bad.length === 0) return;
  if (outcomes.length === 1) throw new ActionFailure(bad[0].error ?? `${label}: ${bad[0].status}`);
  for (const outcome of bad)
    ctx.log.error(outcome.error ?? `${outcome.service}: ${outcome.status}`);
  throw new ActionFailure(
    `${label}: ${bad.length} of ${outcomes.length} services failed: ${outcomes.map((outcome) => `${outcome.service} ${outcome.status}`).join(', ')}.`,
  );
}

function readComposeFile(mode: StackMode): string {
  try {
    return readFileSync(mode.composeFile.path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      'compose-file',
      `cannot read ${mode.composeFile.given} (${errorMessage(error)}): give a path in the workspace, after actions/checkout.`,
    );
  }
}

/**
 * Checks the keys before any connection, and puts each in a form ssh2 reads (a PKCS#8 key is
 * converted in memory: the converted text is masked like the key).
 */
function checkKeys(inputs: Inputs, mask: (value: string) => void): void {
  const check = (credentials: Credentials, keyInput: string, passphraseInput: string) => {
    if (!credentials.privateKey) return;
    const read = readPrivateKey(
      keyInput,
      passphraseInput,
      credentials.privateKey,
      credentials.passphrase,
    );
    if (read.converted) mask(read.privateKey);
    credentials.privateKey = read.privateKey;
    credentials.passphrase = read.passphrase;
  };
  check(inputs.credentials, 'key', 'passphrase');
  const proxy = inputs.proxy?.endpoint.credentials;
  if (proxy && proxy !== inputs.credentials) check(proxy, 'proxy-key', 'proxy-passphrase');
}

function writeOutputs(
  ctx: ActionContext,
  kind: 'script' | 'container',
  outcomes: HostOutcome[],
): void {
  ctx.runner.setOutput('results', resultsJson(outcomes, kind));
  if (kind === 'script') {
    // Like $(...) in a shell: the trailing newlines are the end of the output, not part of it.
    const stdout = outcomes.length === 1 ? (outcomes[0].stdout ?? '').replace(/\n+$/, '') : '';
    ctx.runner.setOutput('stdout', stdout);
  } else {
    // With several hosts these name the first host's containers; `results` has every host's.
    ctx.runner.setOutput('previous-image', outcomes[0].previousImage ?? '');
    ctx.runner.setOutput('deployed-image', outcomes[0].deployedImage ?? '');
  }
}

async function writeSummary(
  ctx: ActionContext,
  outcomes: HostOutcome[],
  mode: 'script' | 'container',
): Promise<void> {
  const summary = ctx.summary
    .addHeading(mode === 'script' ? 'SSH script' : 'Container deploy', 3)
    .addTable(tableRows(summaryRows(outcomes, mode)));
  for (const outcome of outcomes) {
    if (outcome.containerLog && outcome.containerLog.length > 0) {
      summary.addDetails(
        `${escapeHtml(outcome.host)}: the new container's last log lines`,
        `<pre>${escapeHtml(outcome.containerLog.join('\n'))}</pre>`,
      );
    }
  }
  await summary.write();
}
