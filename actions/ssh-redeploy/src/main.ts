import { ActionFailure } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { systemClock } from '../../shared/retry';
import * as runner from '../../shared/runner';
import { escapeHtml, tableRows } from '../../shared/summary';
import { Connector } from './connector';
import { deployContainerOn } from './deploy-container';
import { failureMessage, fanOut, type HostOutcome } from './fan-out';
import { chooseLayout, HostLog } from './host-log';
import { getInputs, type Inputs } from './inputs';
import { scriptProgram } from './remote-shell';
import { resultsJson, summaryRows } from './report';
import { runScriptOn } from './run-script';
import { checkPrivateKey, loadSsh2 } from './ssh';

const log: Logger = { info: runner.info, warning: runner.warning, debug: runner.debug };

/** The `stdout` output of a single host keeps this many characters (outputs are size-limited). */
const STDOUT_OUTPUT_CHARACTERS = 1_000_000;

export async function main(): Promise<void> {
  const inputs = getInputs();
  for (const note of inputs.notes) runner.warning(note);
  if (inputs.insecure) {
    runner.warning(
      "insecure-skip-host-key-check is on: the servers' identity is not checked, so anyone on the network path could pose as them and receive the credentials and the script. Set 'fingerprint' or 'known-hosts' instead.",
    );
  }
  // Every input is read and checked: only now is ssh2 worth loading, to read the keys.
  await loadSsh2();
  checkKeys(inputs);

  const connector = new Connector(inputs, log, systemClock);
  const layout = chooseLayout(inputs.targets.length, inputs.parallel);
  const write = (line: string) => runner.info(line);
  const mode = inputs.mode;
  let outcomes: HostOutcome[];
  try {
    if (mode.kind === 'script') {
      const program = scriptProgram(mode.script, mode.variables);
      outcomes = await fanOut(inputs.targets, inputs, (target) =>
        runScriptOn(
          target,
          { program, timeoutMs: inputs.commandTimeoutMs, keptStdout: STDOUT_OUTPUT_CHARACTERS },
          { connector, clock: systemClock, log: new HostLog(target.label, layout, write) },
        ),
      );
    } else {
      outcomes = await fanOut(inputs.targets, inputs, (target) =>
        deployContainerOn(target, mode, inputs.commandTimeoutMs, {
          connector,
          clock: systemClock,
          log: new HostLog(target.label, layout, write),
        }),
      );
    }
  } finally {
    await connector.closeAll();
  }

  writeOutputs(inputs, outcomes);
  await writeSummary(outcomes, mode.kind);
  const failure = failureMessage(outcomes, mode.kind === 'script' ? 'The script' : 'The deploy');
  if (failure) {
    if (outcomes.length > 1) {
      for (const outcome of outcomes) {
        if (outcome.status === 'failed' || outcome.status === 'rolled-back') {
          runner.error(outcome.error ?? `${outcome.host}: ${outcome.status}`);
        }
      }
    }
    throw new ActionFailure(failure);
  }
}

function checkKeys(inputs: Inputs): void {
  const { privateKey, passphrase } = inputs.credentials;
  if (privateKey) checkPrivateKey('key', 'passphrase', privateKey, passphrase);
  const proxy = inputs.proxy?.endpoint.credentials;
  if (proxy?.privateKey && proxy !== inputs.credentials) {
    checkPrivateKey('proxy-key', 'proxy-passphrase', proxy.privateKey, proxy.passphrase);
  }
}

function writeOutputs(inputs: Inputs, outcomes: HostOutcome[]): void {
  runner.setOutput('results', resultsJson(outcomes, inputs.mode.kind));
  if (inputs.mode.kind === 'script') {
    // Like $(...) in a shell: the trailing newlines are the end of the output, not part of it.
    const stdout = outcomes.length === 1 ? (outcomes[0].stdout ?? '').replace(/\n+$/, '') : '';
    runner.setOutput('stdout', stdout);
  } else {
    // With several hosts these name the first host's containers; `results` has every host's.
    runner.setOutput('previous-image', outcomes[0].previousImage ?? '');
    runner.setOutput('deployed-image', outcomes[0].deployedImage ?? '');
  }
}

async function writeSummary(outcomes: HostOutcome[], mode: 'script' | 'container'): Promise<void> {
  const summary = runner.summary
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
