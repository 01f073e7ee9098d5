// Running an action from its sources with GitHub's @github/local-action, as maintainers do
// (`npm run local -- <action>`): it stands in for @actions/core, so the outputs it shows are
// what the action set through the context's runner.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeWorkspace, type Workspace } from '../coverage-gate/workspace';
import { repoRoot } from '../harness/run-action';
import { startRenderStandIn, type RenderStandIn } from '../stand-ins/render';

jest.setTimeout(180_000);

let folder: string;
let render: RenderStandIn | undefined;
let workspace: Workspace | undefined;

beforeEach(() => {
  folder = mkdtempSync(path.join(tmpdir(), 'local-action-'));
});

afterEach(async () => {
  await render?.close();
  render = undefined;
  workspace?.remove();
  workspace = undefined;
  rmSync(folder, { recursive: true, force: true });
});

interface LocalRun {
  code: number | null;
  output: string;
  outputs: Record<string, string>;
}

/** `npm run local -- <action> <dotenv>`, without blocking this process, where stand-ins answer. */
function runLocal(action: string, env: Record<string, string>): Promise<LocalRun> {
  const dotenv = path.join(folder, '.env');
  writeFileSync(
    dotenv,
    Object.entries(env)
      .map(([name, value]) => `${name}=${value}`)
      .join('\n'),
  );
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'scripts', 'local.mjs'), action, dotenv],
      {
        cwd: repoRoot,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', GITHUB_ACTIONS: '' },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      // local-action prints the outputs it saw as a table: │ 0 │ 'name' │ 'value' │
      const table = output.slice(output.lastIndexOf('Action Outputs'));
      const outputs: Record<string, string> = {};
      for (const row of table.matchAll(/^│\s*\d+\s*│\s*'([^']*)'\s*│\s*'(.*)'\s*│$/gm)) {
        outputs[row[1]] = row[2];
      }
      resolve({ code, output, outputs });
    });
  });
}

test('every .env.example lists what action.yml declares', () => {
  const check = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'scripts', 'env-examples.mjs'), '--check'],
    {
      cwd: repoRoot,
      encoding: 'utf8',
    },
  );
  expect(check.stderr).toBe('');
  expect(check.status).toBe(0);
});

test('render-hook runs from source and follows a deploy to live on the Render stand-in', async () => {
  render = await startRenderStandIn({ imageRepository: 'docker.io/octo/oc-lettings' });
  const run = await runLocal('render-hook', {
    'INPUT_DEPLOY-HOOK-URL': render.hookUrl,
    'INPUT_API-URL': render.apiUrl,
    'INPUT_API-KEY': render.apiKey,
    INPUT_WAIT: 'true',
    'INPUT_IMAGE-URL': 'docker.io/octo/oc-lettings:0.1.42',
    'INPUT_POLL-INTERVAL': '20ms',
    GITHUB_STEP_SUMMARY: path.join(folder, 'summary.md'),
  });

  expect(run.code).toBe(0);
  expect(render.hookCalls()).toHaveLength(1);
  expect(run.outputs).toEqual({
    'service-id': render.serviceId,
    'deploy-id': render.deploys[0].id,
    status: 'live',
    'dashboard-url': `https://dashboard.render.com/web/${render.serviceId}/deploys/${render.deploys[0].id}`,
  });
  expect(readFileSync(path.join(folder, 'summary.md'), 'utf8')).toContain('<td>live</td>');
  // The key was masked through local-action's stand-in, not printed.
  expect(run.output).not.toContain(render.apiKey);
});

test("coverage-gate runs from source and gates the seed's report", async () => {
  workspace = makeWorkspace();
  workspace.addSources('py-seed');
  workspace.addReport('py-seed/cov-report.txt', 'cov-report.txt');
  const run = await runLocal('coverage-gate', {
    INPUT_FILES: 'cov-report.txt',
    'INPUT_MIN-COVERAGE': '79.96',
    GITHUB_WORKSPACE: workspace.dir,
    RUNNER_TEMP: folder,
    GITHUB_STEP_SUMMARY: path.join(folder, 'summary.md'),
  });

  expect(run.code).toBe(0);
  expect(run.outputs).toMatchObject({ coverage: '79.96', line: '79.96', passed: 'true' });
  expect(readFileSync(path.join(folder, 'summary.md'), 'utf8')).toContain('79.96');
});
