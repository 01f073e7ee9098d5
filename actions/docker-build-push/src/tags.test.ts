import { ConfigurationError } from '../../shared/errors';
import {
  computeTags,
  parseSemver,
  sanitiseTag,
  tagContextFromEvent,
  type TagContext,
} from './tags';

const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const NOW = new Date('2026-03-09T23:59:00Z');
const repository = { name: 'app', full_name: 'octo-org/app', default_branch: 'main' };

/** An event as the runner presents it: its GITHUB_* variables and its payload. */
interface Event {
  env: Record<string, string>;
  payload: Record<string, unknown>;
}

function event(
  name: string,
  ref: string,
  payload: Record<string, unknown> = {},
  extra = {},
): Event {
  return {
    env: {
      GITHUB_EVENT_NAME: name,
      GITHUB_REF: ref,
      GITHUB_SHA: SHA,
      GITHUB_RUN_NUMBER: '42',
      GITHUB_RUN_ATTEMPT: '2',
      GITHUB_HEAD_REF: '',
      ...extra,
    },
    payload: { repository, ...payload },
  };
}

const EVENTS: Record<string, Event> = {
  'push to the default branch': event('push', 'refs/heads/main'),
  'push to another branch': event('push', 'refs/heads/feature/Login_Form'),
  'push of a semver tag': event('push', 'refs/tags/v1.4.2'),
  'push of a pre-release tag': event('push', 'refs/tags/v2.0.0-rc.1'),
  'push of a non-semver tag': event('push', 'refs/tags/nightly'),
  'pull request': event(
    'pull_request',
    'refs/pull/17/merge',
    { number: 17, pull_request: { number: 17, head: { ref: 'fix/typo', sha: SHA } } },
    { GITHUB_HEAD_REF: 'fix/typo' },
  ),
  'schedule on the default branch': event('schedule', 'refs/heads/main', { schedule: '0 3 * * *' }),
  'workflow_dispatch on the default branch': event('workflow_dispatch', 'refs/heads/main'),
  'push to the default branch, payload without repository': {
    env: event('push', 'refs/heads/main').env,
    payload: {},
  },
};

function contextOf(name: keyof typeof EVENTS): TagContext {
  const { env, payload } = EVENTS[name];
  return tagContextFromEvent(env, payload, NOW);
}

describe('the default scheme', () => {
  test.each([
    ['push to the default branch', ['sha-a1b2c3d', 'latest']],
    ['push to another branch', ['sha-a1b2c3d']],
    ['push of a semver tag', ['sha-a1b2c3d', '1.4.2', '1.4']],
    ['push of a pre-release tag', ['sha-a1b2c3d']],
    ['push of a non-semver tag', ['sha-a1b2c3d']],
    ['pull request', ['sha-a1b2c3d', 'pr-17']],
    ['schedule on the default branch', ['sha-a1b2c3d']],
    ['workflow_dispatch on the default branch', ['sha-a1b2c3d']],
    // Without the payload's default branch nothing says this is it: latest stays put.
    ['push to the default branch, payload without repository', ['sha-a1b2c3d']],
  ])('%s: %j', (name, expected) => {
    const result = computeTags([], contextOf(name));
    expect(result.tags).toEqual(expected);
    expect(result.skipped).toEqual([]);
  });
});

describe('templates', () => {
  const ALL = [
    '{{sha}}',
    '{{short_sha}}',
    'run-{{run_number}}.{{run_attempt}}',
    '{{branch}}',
    '{{tag}}',
    '{{version}}',
    '{{major}}-{{minor}}-{{patch}}',
    'pr-{{pr}}',
    'nightly-{{date}}',
  ];

  test.each([
    [
      'push to the default branch',
      [SHA, 'a1b2c3d', 'run-42.2', 'main', 'nightly-20260309'],
      ['{{tag}}', '{{version}}', '{{major}}-{{minor}}-{{patch}}', 'pr-{{pr}}'],
    ],
    [
      'push to another branch',
      [SHA, 'a1b2c3d', 'run-42.2', 'feature-Login_Form', 'nightly-20260309'],
      ['{{tag}}', '{{version}}', '{{major}}-{{minor}}-{{patch}}', 'pr-{{pr}}'],
    ],
    [
      'push of a semver tag',
      [SHA, 'a1b2c3d', 'run-42.2', 'v1.4.2', '1.4.2', '1-4-2', 'nightly-20260309'],
      ['{{branch}}', 'pr-{{pr}}'],
    ],
    [
      'push of a pre-release tag',
      [SHA, 'a1b2c3d', 'run-42.2', 'v2.0.0-rc.1', '2.0.0-rc.1', '2-0-0', 'nightly-20260309'],
      ['{{branch}}', 'pr-{{pr}}'],
    ],
    [
      'pull request',
      [SHA, 'a1b2c3d', 'run-42.2', 'fix-typo', 'pr-17', 'nightly-20260309'],
      ['{{tag}}', '{{version}}', '{{major}}-{{minor}}-{{patch}}'],
    ],
    [
      'schedule on the default branch',
      [SHA, 'a1b2c3d', 'run-42.2', 'main', 'nightly-20260309'],
      ['{{tag}}', '{{version}}', '{{major}}-{{minor}}-{{patch}}', 'pr-{{pr}}'],
    ],
  ])('%s', (name, tags, skipped) => {
    const result = computeTags(ALL, contextOf(name));
    expect(result.tags).toEqual(tags);
    expect(result.skipped.map((skip) => skip.template)).toEqual(skipped);
  });

  test("the seed's scheme 0.1.{{run_number}}", () => {
    expect(computeTags(['0.1.{{run_number}}'], contextOf('push to another branch')).tags).toEqual([
      '0.1.42',
    ]);
  });

  test('a skipped template says which placeholder had no value, in which event', () => {
    const result = computeTags(['pr-{{pr}}', 'stable'], contextOf('push to the default branch'));
    expect(result.tags).toEqual(['stable']);
    expect(result.skipped).toEqual([
      { template: 'pr-{{pr}}', reason: '{{pr}} has no value in a push event' },
    ]);
  });

  test('spaces inside braces are allowed', () => {
    expect(computeTags(['{{ short_sha }}'], contextOf('push to the default branch')).tags).toEqual([
      'a1b2c3d',
    ]);
  });

  test('duplicates collapse, keeping the first position', () => {
    const result = computeTags(
      ['{{branch}}', 'latest', 'main'],
      contextOf('push to the default branch'),
    );
    expect(result.tags).toEqual(['main', 'latest']);
  });

  test('a sanitised tag is reported with what it was', () => {
    const result = computeTags(['{{branch}}'], contextOf('push to another branch'));
    expect(result.sanitised).toEqual([
      { template: '{{branch}}', from: 'feature/Login_Form', to: 'feature-Login_Form' },
    ]);
  });

  test.each([
    ['{{commit}}', /unknown placeholder \{\{commit\}\}/],
    ['v{{version}', /unbalanced brace/],
    ['{version}}', /unbalanced brace/],
  ])('%s is a configuration error', (template, message) => {
    const run = () => computeTags([template], contextOf('push to the default branch'));
    expect(run).toThrow(ConfigurationError);
    expect(run).toThrow(message);
    expect(run).toThrow(/^Input 'tags'/);
  });
});

describe('sanitiseTag', () => {
  test.each([
    ['feature/x', 'feature-x'],
    ['Release 1.0!', 'Release-1.0-'],
    ['.hidden', 'hidden'],
    ['--x', 'x'],
    ['ok_1.2-3', 'ok_1.2-3'],
    ['日本', ''],
    ['v日本', 'v--'],
    ['///', ''],
    ['a'.repeat(200), 'a'.repeat(128)],
  ])('%s -> %s', (text, expected) => {
    expect(sanitiseTag(text)).toBe(expected);
  });

  test('a branch sanitised to nothing is skipped with a reason', () => {
    const context = { ...contextOf('push to another branch'), branch: '///' };
    const result = computeTags(['{{branch}}'], context);
    expect(result.tags).toEqual([]);
    expect(result.skipped[0].reason).toContain('leaves nothing valid');
  });
});

describe('parseSemver', () => {
  test.each([
    ['v1.2.3', { version: '1.2.3', major: '1', minor: '2', patch: '3', prerelease: false }],
    ['1.2.3', { version: '1.2.3', major: '1', minor: '2', patch: '3', prerelease: false }],
    ['v1.2.3+build.7', { version: '1.2.3', major: '1', minor: '2', patch: '3', prerelease: false }],
    [
      'v10.0.0-beta.2',
      { version: '10.0.0-beta.2', major: '10', minor: '0', patch: '0', prerelease: true },
    ],
  ])('%s', (tag, expected) => {
    expect(parseSemver(tag)).toEqual(expected);
  });

  test.each(['1.2', 'v01.2.3', 'release-1.2.3', 'nightly', undefined])(
    '%s is not semver',
    (tag) => {
      expect(parseSemver(tag)).toBeUndefined();
    },
  );
});
