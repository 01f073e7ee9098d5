// What every action's main and post are handed: the runner's channels and the outside world,
// built once by the step runner (step.ts). Logic takes the parts it needs; tests build their
// own context with `testContext` (context-testing.ts).
import { existsSync, readFileSync } from 'node:fs';
import { fetchHttpClient, type HttpClient } from './http';
import type { Logger } from './logger';
import { inertLines } from './outside-text';
import { runProcess, type RunProcess } from './process';
import { systemClock, type Clock } from './retry';
import type { Runner, Summary } from './runner';

/** The webhook payload of the event that started the workflow (`GITHUB_EVENT_PATH`). */
export type EventPayload = Record<string, unknown>;

/** The step's log: plain lines, messages that stand out, and collapsible groups. */
export interface Log extends Logger {
  notice(message: string): void;
  error(message: string): void;
  group<T>(title: string, work: () => Promise<T>): Promise<T>;
}

export interface ActionContext {
  /** Inputs, outputs, state, masks and annotations: the step's channels to the runner. */
  readonly runner: Runner;
  readonly log: Log;
  readonly summary: Summary;
  readonly clock: Clock;
  readonly http: HttpClient;
  /** Runs a program with an argv array, never through a shell. */
  readonly exec: RunProcess;
  /** The step's environment. */
  readonly env: NodeJS.ProcessEnv;
  /** The event payload, read when first asked for; empty when there is none or it is unreadable. */
  readonly event: EventPayload;
}

/**
 * The step's log over the runner's channels. A plain line may quote outside text (a path, a
 * server's answer): it is cut at `\r` and `\n` and made inert (outside-text.ts). Annotations
 * are escaped by the runner protocol itself.
 */
export function logOf(runner: Runner): Log {
  return {
    info: (message) => {
      for (const line of inertLines(message)) runner.info(line);
    },
    debug: (message) => runner.debug(message),
    notice: (message) => runner.notice(message),
    warning: (message) => runner.warning(message),
    error: (message) => runner.error(message),
    group: (title, work) => runner.group(title, work),
  };
}

function readEventPayload(file: string | undefined): EventPayload {
  if (!file || !existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as EventPayload;
  } catch {
    return {};
  }
}

/** The context of a real step: the process's environment and the real world. */
export function createContext(runner: Runner, env: NodeJS.ProcessEnv = process.env): ActionContext {
  let event: EventPayload | undefined;
  return {
    runner,
    log: logOf(runner),
    summary: runner.summary,
    clock: systemClock,
    http: fetchHttpClient,
    exec: runProcess,
    env,
    get event() {
      return (event ??= readEventPayload(env.GITHUB_EVENT_PATH));
    },
  };
}
