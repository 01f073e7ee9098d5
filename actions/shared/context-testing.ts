// A context for unit tests: a runner that records what the step said, a clock that only moves
// when the code sleeps, and no HTTP or programs unless the test hands them in.
import type { ActionContext, EventPayload } from './context';
import { logOf } from './context';
import type { HttpClient } from './http';
import type { RunProcess } from './process';
import type { Clock } from './retry';
import { githubRunner, type AnnotationLevel, type AnnotationPlace, type Runner } from './runner';

export interface Recorded {
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  state: Record<string, string>;
  secrets: string[];
  exported: Record<string, string>;
  /** Every message in order, as `level: text`. */
  messages: string[];
  annotations: { level: AnnotationLevel; message: string; place: AnnotationPlace }[];
  failed?: string;
}

function recordingRunner(recorded: Recorded): Runner {
  const say = (level: string) => (message: string) => {
    recorded.messages.push(`${level}: ${message}`);
  };
  return {
    getInput: (name) => (recorded.inputs[name] ?? '').trim(),
    setSecret: (value) => void recorded.secrets.push(value),
    setOutput: (name, value) => void (recorded.outputs[name] = value),
    saveState: (name, value) => void (recorded.state[name] = value),
    getState: (name) => recorded.state[name] ?? '',
    exportVariable: (name, value) => void (recorded.exported[name] = value),
    info: say('info'),
    debug: say('debug'),
    notice: say('notice'),
    warning: say('warning'),
    error: say('error'),
    annotate: (level, message, place) => void recorded.annotations.push({ level, message, place }),
    group: async (title, work) => {
      say('group')(title);
      return work();
    },
    setFailed: (message) => void (recorded.failed = message),
    // Writes only when a test points GITHUB_STEP_SUMMARY at a file of its own.
    summary: githubRunner.summary,
  };
}

/** A clock at `start` that moves forward only by what the code sleeps. */
export function steppingClock(start = 1_000_000): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

const unexpected = (what: string) => () => {
  throw new Error(`this test did not expect ${what}`);
};

export interface TestContextOptions {
  inputs?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  event?: EventPayload;
  clock?: Clock;
  http?: HttpClient;
  exec?: RunProcess;
}

export function testContext(options: TestContextOptions = {}): {
  ctx: ActionContext;
  recorded: Recorded;
} {
  const recorded: Recorded = {
    inputs: options.inputs ?? {},
    outputs: {},
    state: {},
    secrets: [],
    exported: {},
    messages: [],
    annotations: [],
  };
  const runner = recordingRunner(recorded);
  const ctx: ActionContext = {
    runner,
    log: logOf(runner),
    summary: runner.summary,
    clock: options.clock ?? steppingClock(),
    http: options.http ?? unexpected('an HTTP request'),
    exec: options.exec ?? unexpected('a program to run'),
    env: options.env ?? {},
    event: options.event ?? {},
  };
  return { ctx, recorded };
}
