// coverage-gate's bundle, run as the runner runs it, on reports the real tools wrote
// (coverage-gate/fixtures/make-fixtures.sh), in workspaces laid out like checkouts, with a
// real git history for changed lines and the GitHub API stand-in for the sticky comment.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startGitHubStandIn, type GitHubStandIn } from './github-api';
import { fixtureText, gateRuns, shown, type Ratio, type Workspace } from './workspace';

jest.setTimeout(60_000);

const { workspace, gate, run } = gateRuns('coverage-gate-ws-');
let github: GitHubStandIn | undefined;

afterEach(async () => {
  await github?.close();
  github = undefined;
});

function lcovSummary(text: string, metric: string): Ratio {
  const match = new RegExp(`${metric}\\.*: [\\d.]+% \\((\\d+) of (\\d+)`).exec(text)!;
  return { covered: Number(match[1]), total: Number(match[2]) };
}

interface CoveragePyTotals {
  covered_lines: number;
  num_statements: number;
  covered_branches: number;
  num_branches: number;
  percent_covered: number;
}

const coveragePy = (name: string) =>
  (JSON.parse(fixtureText(name)) as { totals: CoveragePyTotals }).totals;
const istanbul = () =>
  (JSON.parse(fixtureText('js/coverage-summary.json')) as { total: Record<string, Ratio> }).total;

describe("the seed's pipeline: pytest -v --cov=. > cov-report.txt, gated at 80", () => {
  test('79.96% fails 80 although coverage.py printed 80%', async () => {
    const ws = workspace();
    ws.addSources('py-seed');
    ws.addReport('py-seed/cov-report.txt', 'cov-report.txt');
    const main = await gate(ws, { files: 'cov-report.txt', 'min-coverage': '80' });

    expect(fixtureText('py-seed/cov-report.txt')).toMatch(/^TOTAL\s+2500\s+501\s+80%$/m);
    expect(main.exitCode).toBe(1);
    expect(main.errors).toEqual([
      'Coverage 79.96% < 80.00% (min-coverage): 1999 of 2500 coverage.py total (statements) covered',
    ]);
    expect(main.outputs).toMatchObject({
      coverage: '79.96',
      line: '79.96',
      passed: 'false',
      branch: '',
      function: '',
    });
    expect(main.summary).toContain('❌ failed');
    expect(main.warnings).toEqual([]);
  });

  test('the same report passes a gate at 79.96, exactly', async () => {
    const ws = workspace();
    ws.addSources('py-seed');
    ws.addReport('py-seed/cov-report.txt', 'cov-report.txt');
    const main = await gate(ws, { files: 'cov-report.txt', 'min-coverage': '79.96' });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.passed).toBe('true');
  });
});

describe('coverage.py', () => {
  test("coverage json gives coverage.py's own total, branches included", async () => {
    const ws = workspace();
    ws.addSources('py-branch');
    ws.addReport('py-branch/coverage.json', 'coverage.json');
    const totals = coveragePy('py-branch/coverage.json');
    const main = await gate(ws, { 'min-branch': '60' });

    expect(main.exitCode).toBe(0);
    const covered = totals.covered_lines + totals.covered_branches;
    const total = totals.num_statements + totals.num_branches;
    expect(main.outputs.coverage).toBe(shown(covered, total));
    expect(Math.abs(Number(main.outputs.coverage) - totals.percent_covered)).toBeLessThan(0.01);
    expect(main.outputs.line).toBe(shown(totals.covered_lines, totals.num_statements));
    expect(main.outputs.branch).toBe(shown(totals.covered_branches, totals.num_branches));
    expect(main.warnings).toEqual([]);
  });

  test('min-branch fails below the branch figure, naming the counts', async () => {
    const ws = workspace();
    ws.addSources('py-branch');
    ws.addReport('py-branch/coverage.json', 'coverage.json');
    const totals = coveragePy('py-branch/coverage.json');
    const main = await gate(ws, { 'min-branch': '60.01' });
    expect(main.exitCode).toBe(1);
    expect(main.errors).toEqual([
      `Branches ${shown(totals.covered_branches, totals.num_branches)}% < 60.01% (min-branch): ${totals.covered_branches} of ${totals.num_branches} branches covered`,
    ]);
  });

  test('coverage xml over two <source> folders maps every file into the checkout', async () => {
    const ws = workspace();
    ws.addSources('py-branch');
    ws.addReport('py-branch/coverage.xml', 'coverage.xml');
    const totals = coveragePy('py-branch/coverage.json');
    const main = await gate(ws, { files: 'coverage.xml', 'min-line': '60' });
    expect(main.exitCode).toBe(0);
    expect(main.warnings).toEqual([]);
    expect(main.outputs.coverage).toBe(
      shown(
        totals.covered_lines + totals.covered_branches,
        totals.num_statements + totals.num_branches,
      ),
    );
    const summary = JSON.parse(readFileSync(main.outputs['summary-file'], 'utf8')) as {
      files: Record<string, unknown>;
    };
    expect(Object.keys(summary.files).sort()).toEqual(['src_a/calc.py', 'src_b/text.py']);
  });

  test('a text report with branch columns is gated on its printed TOTAL, with a warning near the line', async () => {
    const ws = workspace();
    ws.addSources('py-branch');
    ws.addReport('py-branch/cov-report.txt', 'cov-report.txt');
    const main = await gate(ws, { files: 'cov-report.txt', 'min-coverage': '64.4' });
    expect(main.exitCode).toBe(1);
    expect(main.errors).toEqual([
      'Coverage 64.00% < 64.40% (min-coverage) (coverage.py total (as printed))',
    ]);
    expect(main.warnings).toHaveLength(1);
    expect(main.warnings[0]).toContain('within half a point of min-coverage');
  });
});

describe('lcov', () => {
  test("gcov's tracefile: lines, branches and functions as lcov --summary counts them", async () => {
    const ws = workspace();
    ws.addSources('c');
    ws.addReport('c/coverage.info', 'coverage.info');
    const summary = fixtureText('c/lcov-summary.txt');
    const main = await gate(ws, { files: 'coverage.info' });
    const lines = lcovSummary(summary, 'lines');
    const branches = lcovSummary(summary, 'branches');
    const functions = lcovSummary(summary, 'functions');
    expect(main.exitCode).toBe(0);
    expect(main.outputs).toMatchObject({
      coverage: shown(lines.covered, lines.total),
      line: shown(lines.covered, lines.total),
      branch: shown(branches.covered, branches.total),
      function: shown(functions.covered, functions.total),
    });
    // The report's absolute /tmp path is found in the checkout.
    expect(main.warnings).toEqual([]);
  });

  test('the same tracefile concatenated to itself gives the same figures', async () => {
    const ws = workspace();
    ws.addSources('c');
    ws.write('coverage.info', fixtureText('c/coverage.info').repeat(2));
    const lines = lcovSummary(fixtureText('c/lcov-summary.txt'), 'lines');
    const main = await gate(ws, { files: 'coverage.info', 'min-line': '75' });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.line).toBe(shown(lines.covered, lines.total));
  });

  test('paths matching no file in the workspace are listed in a warning', async () => {
    const ws = workspace();
    ws.addReport('c/coverage.info', 'coverage.info');
    const main = await gate(ws, { files: 'coverage.info' });
    expect(main.exitCode).toBe(0);
    expect(main.warnings).toEqual([
      expect.stringMatching(
        /^1 path in the reports match no file in the workspace: \/tmp\/coverage-gate-fixtures\/c\/sample\.c\. .*path-prefix or source-roots\.$/,
      ),
    ]);
  });
});

describe('file names are data', () => {
  test('a report under a folder whose name holds workflow commands prints them as text', async () => {
    const ws = workspace();
    const folder = 'x\r::add-mask::forged-mask\n::warning::forged ##[error]forged';
    ws.addReport('c/coverage.info', `${folder}/coverage.info`);
    const main = await gate(ws, { files: '**/coverage.info' });
    expect(main.exitCode).toBe(0);
    // The log names the report, its line breaks and all, and none of it acts.
    expect(main.stdout.replace(/\u200b/g, '')).toContain('::add-mask::forged-mask');
    expect(
      main.commands.filter((c) => /forged/.test(c.message) && c.command !== 'warning'),
    ).toEqual([]);
    expect(main.commands.filter((c) => c.message.startsWith('forged'))).toEqual([]);
  });
});

describe('Istanbul (Jest)', () => {
  test('default discovery takes one report per folder: coverage-final.json over its siblings', async () => {
    const ws = workspace();
    ws.addSources('js');
    for (const file of [
      'coverage-final.json',
      'coverage-summary.json',
      'lcov.info',
      'clover.xml',
      'cobertura-coverage.xml',
    ]) {
      ws.addReport(`js/${file}`, `coverage/${file}`);
    }
    const totals = istanbul();
    const main = await gate(ws, { 'min-function': '66' });
    expect(main.exitCode).toBe(0);
    expect(main.outputs).toMatchObject({
      line: shown(totals.lines.covered, totals.lines.total),
      branch: shown(totals.branches.covered, totals.branches.total),
      function: shown(totals.functions.covered, totals.functions.total),
    });
    expect(main.stdout).toContain(
      "Read coverage/coverage-final.json (Istanbul's coverage-final.json).",
    );
    expect(main.stdout).not.toContain('Read coverage/lcov.info');
    expect(main.warnings).toEqual([]);
  });

  test.each([
    ['coverage-summary.json', 'istanbul-summary'],
    ['lcov.info', 'lcov'],
    ['clover.xml', 'clover'],
    ['cobertura-coverage.xml', 'cobertura'],
  ])("%s alone gives Istanbul's line total", async (file) => {
    const ws = workspace();
    ws.addSources('js');
    ws.addReport(`js/${file}`, `reports/${file}`);
    const totals = istanbul();
    const main = await gate(ws, { files: `reports/${file}` });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.line).toBe(shown(totals.lines.covered, totals.lines.total));
    expect(main.outputs.branch).toBe(shown(totals.branches.covered, totals.branches.total));
  });

  test('a threshold on functions fails with the exact figure', async () => {
    const ws = workspace();
    ws.addSources('js');
    ws.addReport('js/lcov.info', 'coverage/lcov.info');
    const totals = istanbul();
    const main = await gate(ws, { 'min-function': '70' });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toBe(
      `Functions ${shown(totals.functions.covered, totals.functions.total)}% < 70.00% (min-function): ${totals.functions.covered} of ${totals.functions.total} functions covered`,
    );
  });
});

describe('JaCoCo', () => {
  test("the report's counters, with package paths found under src/main/java", async () => {
    const ws = workspace();
    ws.addSources('java');
    ws.addReport('java/jacoco.xml', 'target/site/jacoco/jacoco.xml');
    const xml = fixtureText('java/jacoco.xml');
    const tail = xml.slice(xml.lastIndexOf('</package>'));
    const counter = (type: string): Ratio => {
      const match = new RegExp(`<counter type="${type}" missed="(\\d+)" covered="(\\d+)"`).exec(
        tail,
      )!;
      return { covered: Number(match[2]), total: Number(match[1]) + Number(match[2]) };
    };
    const main = await gate(ws, { 'min-line': '50' });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.line).toBe(shown(counter('LINE').covered, counter('LINE').total));
    expect(main.outputs.branch).toBe(shown(counter('BRANCH').covered, counter('BRANCH').total));
    expect(main.outputs.function).toBe(shown(counter('METHOD').covered, counter('METHOD').total));
    expect(main.warnings).toEqual([]);
  });
});

describe('Go', () => {
  test('the headline is `go tool cover -func` total, paths found through go.mod', async () => {
    const ws = workspace();
    ws.addSources('go');
    ws.addReport('go/cover.out', 'cover.out');
    const goTotal = /total:\s+\(statements\)\s+([\d.]+)%/.exec(
      fixtureText('go/cover-func.txt'),
    )![1];
    const main = await gate(ws, { 'min-coverage': goTotal });
    // go prints one decimal, rounded: the exact figure rounds to it.
    expect(Number(main.outputs.coverage).toFixed(1)).toBe(goTotal);
    expect(main.warnings).toEqual([]);
    const summary = JSON.parse(readFileSync(main.outputs['summary-file'], 'utf8')) as {
      headline: { basis: string };
      files: Record<string, unknown>;
    };
    expect(summary.headline.basis).toBe('statements');
    expect(Object.keys(summary.files)).toEqual(['shapes.go']);
  });
});

describe('merging', () => {
  test('two reports of different formats add up line by line', async () => {
    const ws = workspace();
    ws.addSources('c');
    ws.addSources('js');
    ws.addReport('c/coverage.info', 'c.info');
    ws.addReport('js/cobertura-coverage.xml', 'js-cobertura.xml');
    const c = lcovSummary(fixtureText('c/lcov-summary.txt'), 'lines');
    const js = istanbul().lines;
    const main = await gate(ws, { files: 'c.info\njs-cobertura.xml' });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.line).toBe(shown(c.covered + js.covered, c.total + js.total));
    expect(main.outputs.coverage).toBe(main.outputs.line);
    // Branches: lcov's, added to Cobertura's.
    const cBranches = lcovSummary(fixtureText('c/lcov-summary.txt'), 'branches');
    const jsBranches = istanbul().branches;
    expect(main.outputs.branch).toBe(
      shown(cBranches.covered + jsBranches.covered, cBranches.total + jsBranches.total),
    );
  });
});

describe('changed lines', () => {
  /** A repository whose base lacks total_odd(), added by the head commit, untested. */
  function history(ws: Workspace): { base: string; head: string } {
    ws.addSources('py-branch');
    const calc = path.join(ws.dir, 'src_a', 'calc.py');
    const full = readFileSync(calc, 'utf8');
    ws.write('src_a/calc.py', full.slice(0, full.indexOf('\n\n\ndef total_odd')) + '\n');
    ws.git('init', '-q');
    ws.git('add', '-A');
    ws.git('commit', '-q', '-m', 'base');
    const base = ws.git('rev-parse', 'HEAD');
    ws.write('src_a/calc.py', full);
    ws.git('commit', '-q', '-am', 'add total_odd');
    ws.addReport('py-branch/coverage.json', 'coverage.json');
    return { base, head: ws.git('rev-parse', 'HEAD') };
  }

  const pullRequest = (base: string, head: string, number = 7) => ({
    name: 'pull_request',
    payload: {
      number,
      pull_request: {
        number,
        base: { sha: base, ref: 'main' },
        head: { sha: head, ref: 'feature' },
      },
      repository: { full_name: 'octo-org/app', name: 'app', owner: { login: 'octo-org' } },
    },
  });

  test('min-diff fails on untested new lines, which get one annotation as a range', async () => {
    const ws = workspace();
    const { base, head } = history(ws);
    const main = await gate(ws, { 'min-diff': '50' }, { event: pullRequest(base, head) });
    // total_odd: its def line ran at import, the 5 lines of its body never did.
    expect(main.outputs.diff).toBe(shown(1, 6));
    expect(main.exitCode).toBe(1);
    expect(main.errors).toEqual([
      'Changed lines 16.66% < 50.00% (min-diff): 1 of 6 changed lines covered',
    ]);
    const annotations = main.commands.filter(
      (command) => command.command === 'warning' && command.properties.file,
    );
    expect(annotations).toEqual([
      {
        command: 'warning',
        properties: {
          file: 'src_a/calc.py',
          line: '18',
          endLine: '22',
          title: 'Not covered by tests',
        },
        message: 'Changed lines 18-22 are not covered by tests.',
      },
    ]);
    expect(main.summary).toContain('src\\_a/calc.py');
  });

  test('an origin that stops answering is given git-timeout, then min-diff fails, naming it', async () => {
    const origin = workspace();
    const { base, head } = history(origin);
    const ws = workspace();
    ws.git('clone', '-q', '--depth=1', `file://${origin.dir}`, '.');
    ws.addReport('py-branch/coverage.json', 'coverage.json');
    // A server on loopback that takes the connection and never answers.
    const silent = createServer(() => undefined);
    const held: Socket[] = [];
    silent.on('connection', (socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    ws.git('remote', 'set-url', 'origin', `http://127.0.0.1:${port}/app.git`);
    try {
      const started = Date.now();
      const main = await gate(
        ws,
        { 'min-diff': '10', 'git-timeout': '2s' },
        { event: pullRequest(base, head) },
      );
      // min-diff cannot be checked: the gate fails, naming the limit, rather than pass unchecked.
      expect(main.exitCode).toBe(1);
      expect(main.errors).toEqual([
        `min-diff cannot be checked: the base commit ${base} is not in the checkout and could not be fetched (git fetch did not finish within git-timeout (2.0s)). Check out with fetch-depth: 0, or set diff-base to a commit that is present.`,
      ]);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      held.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('a shallow checkout without the base commit fetches it from origin', async () => {
    const origin = workspace();
    const { base, head } = history(origin);
    const ws = workspace();
    ws.git('clone', '-q', '--depth=1', `file://${origin.dir}`, '.');
    expect(() => ws.git('cat-file', '-e', `${base}^{commit}`)).toThrow();
    ws.addReport('py-branch/coverage.json', 'coverage.json');
    const main = await gate(
      ws,
      { 'min-diff': '10', annotate: 'false' },
      { event: pullRequest(base, head) },
    );
    expect(main.exitCode).toBe(0);
    expect(main.outputs.diff).toBe(shown(1, 6));
    expect(main.commands.filter((command) => command.properties.file)).toEqual([]);
  });

  test('annotations stay within the 10 warnings a step may show', async () => {
    const ws = workspace();
    ws.git('init', '-q');
    ws.write('gen.js', '// empty\n');
    ws.git('add', '-A');
    ws.git('commit', '-q', '-m', 'base');
    const base = ws.git('rev-parse', 'HEAD');
    // 30 functions, each a range of its own: every other line runs.
    const lines = Array.from({ length: 60 }, (_, i) => `const v${i} = ${i};`);
    ws.write('gen.js', `${lines.join('\n')}\n`);
    ws.git('commit', '-q', '-am', 'grow');
    const da = lines.map((_, i) => `DA:${i + 1},${i % 2}`).join('\n');
    ws.write('lcov.info', `SF:gen.js\n${da}\nend_of_record\n`);
    const main = await gate(
      ws,
      { files: 'lcov.info' },
      { event: pullRequest(base, ws.git('rev-parse', 'HEAD')) },
    );
    expect(main.exitCode).toBe(0);
    expect(main.warnings.length).toBeLessThanOrEqual(10);
    expect(main.commands.filter((command) => command.properties.file)).toHaveLength(9);
    expect(main.warnings.at(-1)).toBe(
      '21 more ranges of uncovered changed lines, listed in the job summary (GitHub shows at most 10 warnings per step).',
    );
  });
});

describe('baseline', () => {
  test('max-drop compares with the summary an earlier run wrote', async () => {
    const ws = workspace();
    ws.addSources('c');
    ws.addSources('js');
    ws.addReport('c/coverage.info', 'c.info');
    ws.addReport('js/lcov.info', 'js.info');
    const first = await gate(ws, { files: 'c.info', 'summary-file': 'baseline/coverage.json' });
    expect(first.exitCode).toBe(0);
    expect(first.outputs['summary-file']).toBe(path.join(ws.dir, 'baseline/coverage.json'));

    const c = lcovSummary(fixtureText('c/lcov-summary.txt'), 'lines');
    const js = istanbul().lines;
    const drop = (c.covered / c.total - js.covered / js.total) * 100;
    const failing = await gate(ws, {
      files: 'js.info',
      baseline: 'baseline/coverage.json',
      'max-drop': '1',
    });
    expect(drop).toBeGreaterThan(1);
    expect(failing.exitCode).toBe(1);
    expect(failing.errors).toEqual([
      `Coverage fell ${(Math.ceil(drop * 100) / 100).toFixed(2)} points, from ${shown(c.covered, c.total)}% to ${shown(js.covered, js.total)}% (max-drop 1.00)`,
    ]);
    const passing = await gate(ws, {
      files: 'js.info',
      baseline: 'baseline/coverage.json',
      'max-drop': '2',
    });
    expect(passing.exitCode).toBe(0);
  });

  test('a missing baseline is a warning, not a failure', async () => {
    const ws = workspace();
    ws.addSources('c');
    ws.addReport('c/coverage.info', 'c.info');
    const main = await gate(ws, { files: 'c.info', baseline: 'nowhere.json', 'max-drop': '1' });
    expect(main.exitCode).toBe(0);
    expect(main.warnings).toEqual([
      expect.stringMatching(/^No baseline at .*nowhere\.json: max-drop is not checked/),
    ]);
  });
});

describe('sticky pull request comment', () => {
  async function prRun(ws: Workspace, gh: GitHubStandIn, inputs: Record<string, string>) {
    return gate(
      ws,
      { files: 'coverage.info', comment: 'always', ...inputs },
      {
        event: {
          name: 'pull_request',
          payload: {
            number: gh.pullRequest,
            pull_request: { number: gh.pullRequest, head: { sha: 'f'.repeat(40) } },
          },
        },
        context: { GITHUB_API_URL: gh.apiUrl, GITHUB_TOKEN: gh.token },
        secrets: [gh.token],
      },
    );
  }

  test('created once, then updated in place, found on the second page of comments', async () => {
    github = await startGitHubStandIn({ existingComments: 150 });
    const ws = workspace();
    ws.addSources('c');
    ws.addReport('c/coverage.info', 'coverage.info');

    const first = await prRun(ws, github, {});
    expect(first.exitCode).toBe(0);
    expect(github.comments).toHaveLength(151);
    const mine = github.comments[150];
    expect(mine.body).toContain('<!-- coverage-gate: deploy/deploy -->');
    expect(mine.body).toContain('### Coverage ✅ passed');
    const firstCalls = github.requests.map((request) => `${request.method} ${request.url}`);
    expect(firstCalls).toEqual([
      // Who the token is: GITHUB_TOKEN may not read /user, GraphQL names it.
      'GET /user',
      'POST /graphql',
      `GET /repos/octo-org/app/issues/7/comments?per_page=100`,
      `GET /repos/octo-org/app/issues/7/comments?per_page=100&page=2`,
      `POST /repos/octo-org/app/issues/7/comments`,
    ]);

    github.requests.length = 0;
    // 150 more comments push this job's comment to the second page.
    const second = await prRun(ws, github, { 'min-line': '90' });
    expect(second.exitCode).toBe(1);
    expect(github.comments).toHaveLength(151);
    expect(github.comments[150].id).toBe(mine.id);
    expect(github.comments[150].body).toContain('### Coverage ❌ failed');
    expect(github.requests.map((request) => request.method)).toEqual([
      'GET',
      'POST',
      'GET',
      'GET',
      'PATCH',
    ]);
    for (const request of github.requests) {
      expect(request.headers.authorization).toBe(`token ${github.token}`);
      expect(request.headers['user-agent']).toMatch(/^coverage-gate /);
    }
  });

  test('on-failure comments only when failing, and then keeps the comment current', async () => {
    github = await startGitHubStandIn();
    const ws = workspace();
    ws.addSources('c');
    ws.addReport('c/coverage.info', 'coverage.info');
    const passing = await prRun(ws, github, { comment: 'on-failure' });
    expect(passing.exitCode).toBe(0);
    expect(github.comments).toHaveLength(0);
    await prRun(ws, github, { comment: 'on-failure', 'min-line': '99' });
    expect(github.comments).toHaveLength(1);
    await prRun(ws, github, { comment: 'on-failure' });
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0].body).toContain('✅ passed');
  });

  test("a 403 (a fork's read-only token) only warns", async () => {
    github = await startGitHubStandIn({ readOnly: true });
    const ws = workspace();
    ws.addSources('c');
    ws.addReport('c/coverage.info', 'coverage.info');
    const main = await prRun(ws, github, {});
    expect(main.exitCode).toBe(0);
    expect(main.outputs.passed).toBe('true');
    expect(main.warnings).toEqual([
      expect.stringMatching(
        /^Could not write the pull request comment: Creating the coverage comment answered HTTP 403: Resource not accessible by integration\. Pull requests from forks/,
      ),
    ]);
  });
});

describe('outputs and files', () => {
  test('the badge is written as SVG with the headline, rounded down', async () => {
    const ws = workspace();
    ws.addSources('py-seed');
    ws.addReport('py-seed/cov-report.txt', 'cov-report.txt');
    const main = await gate(ws, { files: 'cov-report.txt', badge: 'badges/coverage.svg' });
    const badge = path.join(ws.dir, 'badges/coverage.svg');
    expect(main.outputs.badge).toBe(badge);
    const svg = readFileSync(badge, 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('aria-label="coverage: 79%"');
    expect(svg).toContain('fill="#a4a61d"');
  });

  test('the summary file defaults to RUNNER_TEMP and holds exact counts', async () => {
    const ws = workspace();
    ws.addSources('py-seed');
    ws.addReport('py-seed/cov-report.txt', 'cov-report.txt');
    const done = await run(ws, { files: 'cov-report.txt' });
    expect(done.main.outputs['summary-file']).toBe(
      path.join(done.runnerTemp, 'coverage-gate-summary.json'),
    );
    const summary = JSON.parse(readFileSync(done.main.outputs['summary-file'], 'utf8')) as Record<
      string,
      unknown
    >;
    expect(summary).toMatchObject({
      version: 1,
      coverage: '79.96',
      headline: { covered: 1999, total: 2500 },
      line: { covered: 1999, total: 2500 },
      passed: true,
    });
  });

  test('the job summary of a 30,000-file report stays under 1 MiB', async () => {
    const ws = workspace();
    const records = Array.from(
      { length: 30_000 },
      (_, i) =>
        `SF:src/very/long/folder/name/for/size/module_${i}.ts\nDA:1,1\nDA:2,${i % 3}\nDA:3,0\nend_of_record\n`,
    );
    ws.write('lcov.info', records.join(''));
    const main = await gate(ws, { files: 'lcov.info', 'min-file': '50' });
    expect(main.exitCode).toBe(1);
    expect(Buffer.byteLength(main.summary)).toBeLessThan(1024 * 1024);
    expect(main.summary).toContain('Least covered files');
    expect(main.errors[0]).toMatch(/^10000 files below 50\.00% \(min-file\): /);
  });
});

describe('mistakes and bad reports', () => {
  test('no report anywhere: an error saying where it looked', async () => {
    const ws = workspace();
    const main = await gate(ws, {});
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(
      /^No coverage report found in .*: looked for \*\*\/coverage\.xml/,
    );
  });

  test('an empty report names the file and what was expected', async () => {
    const ws = workspace();
    ws.write('coverage.info', 'TN:\n');
    const main = await gate(ws, { files: 'coverage.info' });
    expect(main.exitCode).toBe(1);
    expect(main.errors).toEqual([
      'coverage.info: cannot be read as a lcov tracefile: no SF records: this is not an lcov tracefile, or it is empty',
    ]);
  });

  test('a file that is no report at all says which formats were expected', async () => {
    const ws = workspace();
    ws.write('results.txt', 'collected 3 items\n3 passed in 0.1s\n');
    const main = await gate(ws, { files: 'results.txt' });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(
      /^results\.txt: not a coverage report this action recognises \(expected one of: lcov tracefile, Cobertura XML/,
    );
  });

  test('a truncated XML report says where it broke', async () => {
    const ws = workspace();
    const xml = fixtureText('py-branch/coverage.xml');
    ws.write('coverage.xml', xml.slice(0, Math.floor(xml.length / 2)));
    const main = await gate(ws, { files: 'coverage.xml' });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(
      /^coverage\.xml: cannot be read as a Cobertura XML: not well-formed XML near character \d+: /,
    );
  });

  test('a threshold on a metric no report measures is a configuration error', async () => {
    const ws = workspace();
    ws.addReport('py-seed/cov-report.txt', 'cov-report.txt');
    const main = await gate(ws, { files: 'cov-report.txt', 'min-function': '50' });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(/^Input 'min-function': no report measures functions\./);
  });

  test.each([
    [{ 'min-coverage': 'eighty' }, "Input 'min-coverage': 'eighty' is not a percentage"],
    [{ format: 'xml' }, "Input 'format': 'xml' is not a format this action reads"],
    [{ comment: 'yes' }, "Input 'comment': 'yes' is not one of off, always, on-failure, file."],
    [
      { 'diff-base': '--output=/tmp/x' },
      "Input 'diff-base': '--output=/tmp/x' is not a git revision",
    ],
    [{ annotate: 'maybe' }, "Input 'annotate': 'maybe' is not a boolean"],
  ])('%j fails before anything is written', async (inputs, message) => {
    const ws = workspace();
    ws.addReport('c/coverage.info', 'coverage.info');
    const done = await run(ws, { files: 'coverage.info', ...inputs });
    expect(done.main.exitCode).toBe(1);
    expect(done.main.errors[0]).toContain(message);
    expect(done.main.outputs).toEqual({});
    expect(done.main.summary).toBe('');
    expect(existsSync(path.join(done.runnerTemp, 'coverage-gate-summary.json'))).toBe(false);
  });
});
