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
import {
  resultsJson,
  serviceResultsJson,
  serviceSummary,
  summaryRows,
  type ReportMode,
} from './report';
import { runScriptOn } from './run-script';
import { loadSsh2, newSudoPrompt, readLoginKeys, type Credentials } from './ssh';
import { maskSecret } from '../../shared/mask';
import { planStack } from './stack-file';
import type { ServiceOutcome } from './swarm-deploy';
import type { UploadStats } from './upload';
import { planUpload } from './upload-plan';
import { uploadOnlyOn, UploadingConnector } from './upload-run';

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
  // The files to upload are found, and their links checked, before any connection.
  const uploadPlan = inputs.upload
    ? planUpload(inputs.upload, ctx.env.GITHUB_WORKSPACE ?? process.cwd())
    : undefined;
  // Every input is read and checked: only now is ssh2 worth loading, to read the keys.
  await loadSsh2();
  checkKeys(inputs, (value) => maskSecret(value, (form) => ctx.runner.setSecret(form)));

  const layout = chooseLayout(inputs.targets.length, inputs.parallel);
  // One log per host: the upload and the script on that host write to the same.
  const hostLogs = new Map<string, HostLog>();
  const hostLog = (label: string) => {
    const log = hostLogs.get(label) ?? new HostLog(label, layout, (line) => ctx.runner.info(line));
    hostLogs.set(label, log);
    return log;
  };
  const uploading = uploadPlan
    ? new UploadingConnector({ plan: uploadPlan, logFor: hostLog, clock: ctx.clock }, inputs, ctx)
    : undefined;
  const connector = uploading ?? new Connector(inputs, ctx);
  const mode = inputs.mode;
  if (mode.kind === 'service' || mode.kind === 'stack') {
    await runSwarmMode(ctx, inputs, mode, connector);
    return;
  }
  let outcomes: HostOutcome[];
  try {
    if (mode.kind === 'script') {
      // On a terminal, sudo prompts with a text of this run's own, which the step answers.
      const { marker, prompt } = newSudoPrompt();
      const script = {
        program: scriptProgram(
          mode.script,
          mode.terminal ? { ...mode.variables, SUDO_PROMPT: `${prompt}: ` } : mode.variables,
        ),
        timeoutMs: inputs.commandTimeoutMs,
        keptStdout: STDOUT_OUTPUT_CHARACTERS,
        terminal: mode.terminal && {
          prompt: marker,
          sudoPassword: mode.terminal.sudoPassword,
        },
      };
      outcomes = await fanOut(inputs.targets, inputs, (target) =>
        runScriptOn(target, script, connector, hostLog(target.label), ctx.clock),
      );
    } else if (mode.kind === 'upload') {
      outcomes = await fanOut(inputs.targets, inputs, (target) =>
        uploadOnlyOn(target, connector, hostLog(target.label), ctx.clock),
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

  for (const outcome of outcomes) {
    const key = connector.keysUsed.get(outcome.host);
    if (key) outcome.key = key;
  }
  writeOutputs(ctx, mode.kind, outcomes, uploading?.sent);
  await writeSummary(ctx, outcomes, mode.kind, uploading?.sent);
  const failure = failureMessage(outcomes, FAILED_WORK[mode.kind]);
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
  // A chunk of its own in the bundle, with the Docker API client and Node's http it loads.
  const { deployService, deployStack } = await import('./swarm-deploy.js');
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
    // Each key is read and parsed once here, not again for every host.
    const read = readLoginKeys(
      keyInput,
      passphraseInput,
      credentials.privateKey,
      credentials.passphrase,
    );
    for (const converted of read.converted) mask(converted);
    credentials.keys = read.keys;
  };
  check(inputs.credentials, 'key', 'passphrase');
  const proxy = inputs.proxy?.endpoint.credentials;
  if (proxy && proxy !== inputs.credentials) check(proxy, 'proxy-key', 'proxy-passphrase');
}

const FAILED_WORK: Record<ReportMode, string> = {
  script: 'The script',
  container: 'The deploy',
  upload: 'The upload',
};

function writeOutputs(
  ctx: ActionContext,
  kind: ReportMode,
  outcomes: HostOutcome[],
  uploaded: Map<string, UploadStats> | undefined,
): void {
  ctx.runner.setOutput('results', resultsJson(outcomes, kind, uploaded));
  if (kind === 'upload') return;
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
  mode: ReportMode,
  uploaded: Map<string, UploadStats> | undefined,
): Promise<void> {
  const heading = { script: 'SSH script', container: 'Container deploy', upload: 'SSH upload' };
  const summary = ctx.summary
    .addHeading(heading[mode], 3)
    .addTable(tableRows(summaryRows(outcomes, mode, uploaded)));
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
