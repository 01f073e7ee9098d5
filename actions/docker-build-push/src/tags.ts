import { ConfigurationError } from '../../shared/errors';

/** What the event gives to fill tag templates; a missing field is a placeholder without a value. */
export interface TagContext {
  eventName: string;
  sha?: string;
  runNumber?: string;
  runAttempt?: string;
  /** The branch pushed or, for a pull request, its head branch. */
  branch?: string;
  /** The git tag pushed, as written (`v1.2.3`). */
  gitTag?: string;
  pullRequest?: string;
  /** The repository's default branch, from the event payload. */
  defaultBranch?: string;
  /** The ref the workflow runs on (`refs/heads/main`). */
  ref?: string;
  /** Now, for {{date}}. */
  date: Date;
}

export interface Semver {
  version: string;
  major: string;
  minor: string;
  patch: string;
  prerelease: boolean;
}

export interface ComputedTags {
  tags: string[];
  /** Templates left out, with why, to tell the user in a notice. */
  skipped: { template: string; reason: string }[];
  /** Templates whose text had to change to become a valid tag. */
  sanitised: { template: string; from: string; to: string }[];
}

const PLACEHOLDERS = [
  'sha',
  'short_sha',
  'run_number',
  'run_attempt',
  'branch',
  'tag',
  'version',
  'major',
  'minor',
  'patch',
  'pr',
  'date',
] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

const MAX_TAG_LENGTH = 128;
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

/** semver 2.0 with an optional leading v, as git tags are usually written. */
const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export function parseSemver(gitTag: string | undefined): Semver | undefined {
  const match = gitTag === undefined ? null : SEMVER.exec(gitTag);
  if (!match) return undefined;
  const [, major, minor, patch, prerelease] = match;
  const core = `${major}.${minor}.${patch}`;
  return {
    // Build metadata (+...) is not part of a version's identity, and `+` cannot be in a tag.
    version: prerelease ? `${core}-${prerelease}` : core,
    major,
    minor,
    patch,
    prerelease: prerelease !== undefined,
  };
}

/**
 * The default scheme. `latest` moves only on a push to the default branch, so a tag push, a
 * pull request or a scheduled rebuild never moves it; pre-releases get no version tags, so
 * `1.2` keeps pointing at the last release.
 */
function defaultTemplates(context: TagContext): string[] {
  const templates = ['sha-{{short_sha}}'];
  if (
    context.eventName === 'push' &&
    context.defaultBranch !== undefined &&
    context.ref === `refs/heads/${context.defaultBranch}`
  ) {
    templates.push('latest');
  }
  const semver = parseSemver(context.gitTag);
  if (semver && !semver.prerelease) templates.push('{{version}}', '{{major}}.{{minor}}');
  if (PULL_REQUEST_EVENTS.has(context.eventName)) templates.push('pr-{{pr}}');
  return templates;
}

function placeholderValues(context: TagContext): Record<Placeholder, string | undefined> {
  const semver = parseSemver(context.gitTag);
  const date = context.date.toISOString().slice(0, 10).replace(/-/g, '');
  return {
    sha: context.sha,
    short_sha: context.sha?.slice(0, 7),
    run_number: context.runNumber,
    run_attempt: context.runAttempt,
    branch: context.branch,
    tag: context.gitTag,
    version: semver?.version,
    major: semver?.major,
    minor: semver?.minor,
    patch: semver?.patch,
    pr: PULL_REQUEST_EVENTS.has(context.eventName) ? context.pullRequest : undefined,
    date,
  };
}

/** Checks templates before anything runs: an unknown placeholder is a typo, not a skip. */
export function checkTemplates(templates: string[]): void {
  for (const template of templates) {
    for (const match of template.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(match[1])) {
        throw new ConfigurationError(
          'tags',
          `'${template}' uses an unknown placeholder {{${match[1]}}}. Known: ${PLACEHOLDERS.map((name) => `{{${name}}}`).join(', ')}.`,
        );
      }
    }
    const stray = template.replace(/\{\{\s*[^}]*?\s*\}\}/g, '');
    if (/[{}]/.test(stray)) {
      throw new ConfigurationError(
        'tags',
        `'${template}' has an unbalanced brace. Write placeholders as {{name}}, e.g. 0.1.{{run_number}}.`,
      );
    }
  }
}

/**
 * Turns text into a valid tag: characters outside [A-Za-z0-9_.-] become `-`, a tag cannot
 * start with `.` or `-`, and it is cut at 128 characters. Empty means nothing was left.
 */
export function sanitiseTag(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, MAX_TAG_LENGTH);
}

/**
 * Fills the templates (or the default scheme when there are none) from the event. A template
 * whose placeholder has no value in this event is skipped, not filled with an empty string:
 * `pr-` or `-rc` would be tags nobody meant.
 */
export function computeTags(templates: string[], context: TagContext): ComputedTags {
  checkTemplates(templates);
  const values = placeholderValues(context);
  const result: ComputedTags = { tags: [], skipped: [], sanitised: [] };
  const chosen = templates.length > 0 ? templates : defaultTemplates(context);
  for (const template of chosen) {
    let missing: string | undefined;
    const filled = template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, name: Placeholder) => {
      const value = values[name];
      if (value === undefined || value === '') missing ??= name;
      return value ?? '';
    });
    if (missing !== undefined) {
      result.skipped.push({
        template,
        reason: `{{${missing}}} has no value in a ${context.eventName} event`,
      });
      continue;
    }
    const tag = sanitiseTag(filled);
    if (tag === '') {
      result.skipped.push({ template, reason: `'${filled}' leaves nothing valid in a tag` });
      continue;
    }
    if (tag !== filled) result.sanitised.push({ template, from: filled, to: tag });
    if (!result.tags.includes(tag)) result.tags.push(tag);
  }
  return result;
}

interface EventPayload {
  repository?: { default_branch?: string };
  pull_request?: { number?: number; head?: { ref?: string; sha?: string } };
  number?: number;
}

/** Reads a TagContext from the runner's GITHUB_* variables and the event payload. */
export function tagContextFromEvent(
  env: Record<string, string | undefined>,
  payload: EventPayload,
  now: Date,
): TagContext {
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const ref = env.GITHUB_REF || undefined;
  const pullRequest = payload.pull_request?.number ?? payload.number;
  let branch: string | undefined;
  if (PULL_REQUEST_EVENTS.has(eventName)) {
    branch = env.GITHUB_HEAD_REF || payload.pull_request?.head?.ref || undefined;
  } else if (ref?.startsWith('refs/heads/')) {
    branch = ref.slice('refs/heads/'.length);
  }
  return {
    eventName,
    sha: env.GITHUB_SHA || undefined,
    runNumber: env.GITHUB_RUN_NUMBER || undefined,
    runAttempt: env.GITHUB_RUN_ATTEMPT || undefined,
    branch,
    gitTag: ref?.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined,
    pullRequest: pullRequest === undefined ? undefined : String(pullRequest),
    defaultBranch: payload.repository?.default_branch,
    ref,
    date: now,
  };
}
