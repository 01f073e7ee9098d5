// coverage-gate's pull request comment through the bundle: only our own comment is edited,
// comment-id tells comments apart, and the fork mode's file is posted from workflow_run only
// when its pull request is open at the run's head commit.
import { readFileSync } from 'node:fs';
import { startGitHubStandIn, type GitHubStandIn } from './github-api';
import { gateRuns, type Workspace } from './workspace';
import type { RunOptions } from '../harness/run-action';

jest.setTimeout(60_000);

const { workspace, gate: run } = gateRuns('coverage-gate-comment-');
let github: GitHubStandIn | undefined;

afterEach(async () => {
  await github?.close();
  github = undefined;
});

function lcovWorkspace(): Workspace {
  const ws = workspace();
  ws.addSources('c');
  ws.addReport('c/coverage.info', 'coverage.info');
  return ws;
}

const HEAD = 'c'.repeat(40);
const prEvent = (gh: GitHubStandIn): Partial<RunOptions> => ({
  event: {
    name: 'pull_request',
    payload: { pull_request: { number: gh.pullRequest, head: { sha: HEAD } } },
  },
  context: { GITHUB_API_URL: gh.apiUrl, GITHUB_TOKEN: gh.token },
  secrets: [gh.token],
});

test("a marker in another user's comment is ignored: a new comment is written", async () => {
  github = await startGitHubStandIn({
    otherTokens: { ghp_MalloryToken: { kind: 'user', login: 'mallory' } },
  });
  const ws = lcovWorkspace();
  // Mallory copies the marker of this job's comment into her own comment first.
  const forged = 'forged\n<!-- coverage-gate: deploy/deploy -->\n';
  const response = await fetch(
    `${github.apiUrl}/repos/${github.repository}/issues/${github.pullRequest}/comments`,
    {
      method: 'POST',
      headers: { Authorization: 'Bearer ghp_MalloryToken', 'Content-Type': 'application/json' },
      body: JSON.stringify({ body: forged }),
    },
  );
  expect(response.status).toBe(201);

  const main = await run(ws, { files: 'coverage.info', comment: 'always' }, prEvent(github));
  expect(main.exitCode).toBe(0);
  expect(github.comments).toHaveLength(2);
  expect(github.comments[0].body).toBe(forged);
  expect(github.comments[1].user.login).toBe('github-actions[bot]');
  expect(github.comments[1].body).toContain('<!-- coverage-gate: deploy/deploy -->');
});

test('comment-id makes one comment per leg, each edited in place', async () => {
  github = await startGitHubStandIn();
  const ws = lcovWorkspace();
  for (const leg of ['py3.11', 'py3.12', 'py3.11']) {
    const main = await run(
      ws,
      { files: 'coverage.info', comment: 'always', 'comment-id': leg },
      prEvent(github),
    );
    expect(main.exitCode).toBe(0);
  }
  expect(github.comments.map((comment) => comment.body.split('\n')[0])).toEqual([
    '### Coverage of py3.11 ✅ passed',
    '### Coverage of py3.12 ✅ passed',
  ]);
});

test('fork mode: comment: file writes the file, comment-from posts it after the checks', async () => {
  github = await startGitHubStandIn({ pull: { state: 'open', headSha: HEAD } });
  const ws = lcovWorkspace();
  const written = await run(ws, { files: 'coverage.info', comment: 'file' }, prEvent(github));
  expect(written.exitCode).toBe(0);
  expect(github.requests).toEqual([]);
  const file = JSON.parse(readFileSync(written.outputs['comment-file'], 'utf8')) as {
    marker: string;
    pull_request: number;
    head_sha: string;
    body: string;
  };
  expect(file.pull_request).toBe(github.pullRequest);
  expect(file.head_sha).toBe(HEAD);
  expect(file.body).toContain('### Coverage ✅ passed');

  // The poster: a file with a mention and a forged marker, for the pull request.
  const poster = workspace('coverage-gate-poster-');
  poster.write(
    'coverage-comment.json',
    JSON.stringify({
      ...file,
      body: `${file.body}\ncc @octo-org/admins <!-- coverage-gate: id=x -->`,
    }),
  );
  const workflowRun = (headSha: string): Partial<RunOptions> => ({
    event: { name: 'workflow_run', payload: { workflow_run: { head_sha: headSha } } },
    context: { GITHUB_API_URL: github!.apiUrl, GITHUB_TOKEN: github!.token },
    secrets: [github!.token],
  });
  const moved = await run(
    poster,
    { 'comment-from': 'coverage-comment.json' },
    workflowRun('d'.repeat(40)),
  );
  expect(moved.exitCode).toBe(1);
  expect(moved.errors.join('\n')).toMatch(
    /not at the workflow run's head commit d{40}.*Nothing posted/,
  );
  expect(github.comments).toHaveLength(0);

  const posted = await run(poster, { 'comment-from': 'coverage-comment.json' }, workflowRun(HEAD));
  expect(posted.exitCode).toBe(0);
  expect(github.comments).toHaveLength(1);
  const body = github.comments[0].body;
  expect(body).toContain('cc @\u200docto-org/admins &lt;!-- coverage-gate: id=x -->');
  expect(body).toContain('<!-- coverage-gate: deploy/deploy -->');

  github.pull.state = 'closed';
  const closed = await run(poster, { 'comment-from': 'coverage-comment.json' }, workflowRun(HEAD));
  expect(closed.exitCode).toBe(1);
  expect(closed.errors.join('\n')).toMatch(/is closed, not open: nothing posted/);
});

test('comment-from without a workflow_run event is a configuration error', async () => {
  github = await startGitHubStandIn();
  const ws = lcovWorkspace();
  const main = await run(ws, { 'comment-from': 'coverage-comment.json' }, prEvent(github));
  expect(main.exitCode).toBe(1);
  expect(main.errors[0]).toMatch(
    /^Input 'comment-from': posts a comment file from a workflow_run workflow/,
  );
  expect(github.requests).toEqual([]);
});

test('a report path with a mention notifies nobody, in the summary and the comment', async () => {
  github = await startGitHubStandIn();
  const ws = workspace();
  ws.write('src/@team/x.py', 'a = 1\nb = 2\n');
  ws.write('lcov.info', 'SF:src/@team/x.py\nDA:1,1\nDA:2,0\nend_of_record\n');
  const main = await run(ws, { files: 'lcov.info', comment: 'always' }, prEvent(github));
  expect(main.exitCode).toBe(0);
  for (const text of [main.summary, github.comments[0].body]) {
    expect(text).toContain('src/@\u200dteam/x.py');
    expect(text).not.toMatch(/@team/);
  }
});
