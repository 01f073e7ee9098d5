import type { GitHubApi, IssueComment } from './github-client';
import { commentMarker, findOwnComment, tokenLogin, upsertComment } from './sticky-comment';

const quiet = { info: () => undefined, debug: () => undefined, warning: () => undefined };

function fakeApi(options: {
  user?: string;
  viewer?: string | Error;
  comments?: IssueComment[];
}): GitHubApi & { calls: string[] } {
  const calls: string[] = [];
  const comments = options.comments ?? [];
  return {
    calls,
    userLogin: () => Promise.resolve(options.user),
    viewerLogin: () =>
      options.viewer instanceof Error
        ? Promise.reject(options.viewer)
        : Promise.resolve(options.viewer ?? 'github-actions[bot]'),
    listComments: () => Promise.resolve(comments),
    createComment: (_, body) => {
      calls.push(`create ${body}`);
      return Promise.resolve({ id: 99, body });
    },
    updateComment: (id, body) => {
      calls.push(`update ${id} ${body}`);
      return Promise.resolve({ id, body });
    },
    pullRequest: () => Promise.reject(new Error('not used')),
  };
}

test('the marker is workflow and job by default, the comment-id when given', () => {
  expect(commentMarker('CI / test', 'unit')).toBe('<!-- coverage-gate: CI%20%2F%20test/unit -->');
  expect(commentMarker('CI', 'unit', 'py3.12')).toBe('<!-- coverage-gate: id=py3.12 -->');
  // A comment-id never reads as some job's default marker.
  expect(commentMarker('CI', 'unit', 'CI/unit')).not.toBe(commentMarker('CI', 'unit'));
  expect(commentMarker('CI', 'unit', '--> <b>')).toBe('<!-- coverage-gate: id=--%3E%20%3Cb%3E -->');
});

test("the token's login: GET /user, else GraphQL's viewer, else github-actions[bot]", async () => {
  expect(await tokenLogin(fakeApi({ user: 'octocat' }), quiet)).toBe('octocat');
  expect(await tokenLogin(fakeApi({ viewer: 'release-bot[bot]' }), quiet)).toBe('release-bot[bot]');
  expect(await tokenLogin(fakeApi({ viewer: new Error('HTTP 403') }), quiet)).toBe(
    'github-actions[bot]',
  );
});

test("a marker in someone else's comment is ignored", () => {
  const marker = commentMarker('CI', 'unit');
  const comments: IssueComment[] = [
    { id: 1, body: `forged\n${marker}`, user: { login: 'mallory' } },
    { id: 2, body: `ours\n${marker}`, user: { login: 'github-actions[bot]' } },
  ];
  expect(findOwnComment(comments, marker, 'github-actions[bot]')?.id).toBe(2);
  expect(findOwnComment(comments.slice(0, 1), marker, 'github-actions[bot]')).toBeUndefined();
});

test('upsert edits our own marked comment, else writes a new one', async () => {
  const marker = commentMarker('CI', 'unit');
  const foreignOnly = fakeApi({
    comments: [{ id: 1, body: marker, user: { login: 'mallory' } }],
  });
  const created = await upsertComment(
    foreignOnly,
    { pullRequest: 7, marker, text: 'new', createNew: true },
    quiet,
  );
  expect(created.action).toBe('created');
  expect(foreignOnly.calls).toEqual([`create new\n${marker}\n`]);

  const withOwn = fakeApi({
    comments: [{ id: 5, body: `old\n${marker}\n`, user: { login: 'github-actions[bot]' } }],
  });
  const updated = await upsertComment(
    withOwn,
    { pullRequest: 7, marker, text: 'new', createNew: false },
    quiet,
  );
  expect(updated.action).toBe('updated');
  expect(withOwn.calls).toEqual([`update 5 new\n${marker}\n`]);

  const none = fakeApi({});
  const skipped = await upsertComment(
    none,
    { pullRequest: 7, marker, text: 'new', createNew: false },
    quiet,
  );
  expect(skipped.action).toBe('skipped');
  expect(none.calls).toEqual([]);
});
