// Writes actions/<name>/.env.example: the inputs of action.yml and the runner variables the
// action's sources read, as GitHub's @github/local-action reads them from a dotenv file to run
// the action from source (`npm run local -- <name>`). Run by `npm run readme`; the drift test
// (action-tests/local-action.test.ts) fails when a file differs from what this writes.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { root } from './bundles.mjs';

/** The runner's variables that the action's own sources (and shared/) read. */
function runnerVariables(action) {
  const names = new Set();
  const read = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) read(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const text = readFileSync(full, 'utf8');
        for (const match of text.matchAll(/\b((?:GITHUB|RUNNER)_[A-Z_]+)\b/g)) names.add(match[1]);
      }
    }
  };
  read(path.join(root, 'actions', action, 'src'));
  // Every action writes a job summary, through shared code; local-action needs the file's path.
  names.add('GITHUB_STEP_SUMMARY');
  return [...names].sort();
}

/** What a runner variable is set to when running from source; the rest stay unset. */
const RUNNER_DEFAULTS = {
  GITHUB_WORKSPACE: '.',
  RUNNER_TEMP: '/tmp',
  GITHUB_STEP_SUMMARY: 'local-summary.md',
  GITHUB_REPOSITORY: 'OWNER/REPO',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_API_URL: 'https://api.github.com',
};

function comment(text) {
  return String(text)
    .trim()
    .split('\n')
    .map((line) => `# ${line}`.trimEnd())
    .join('\n');
}

export function envExample(action) {
  const metadata = parse(readFileSync(path.join(root, 'actions', action, 'action.yml'), 'utf8'));
  const lines = [
    `# ${action}, run from source with GitHub's local-action: \`npm run local -- ${action}\`.`,
    `# Copy this file to actions/${action}/.env (git ignores it) and fill in the inputs; npm run`,
    '# local reads .env when there is one, else this file. Generated from action.yml by',
    '# `npm run readme`: edit action.yml, not this file.',
    '#',
    '# An input left commented out takes its default from action.yml, as on a runner.',
    '',
  ];
  for (const [name, input] of Object.entries(metadata.inputs ?? {})) {
    lines.push(comment(input.description));
    const variable = `INPUT_${name.toUpperCase()}`;
    if (input.default === undefined) lines.push(`${variable}=`);
    else lines.push(`# ${variable}=${String(input.default).replace(/\n/g, '\\n')}`);
    lines.push('');
  }
  const variables = runnerVariables(action);
  if (variables.length > 0) {
    lines.push('# The runner variables the action reads; on a runner, GitHub sets them.');
    for (const variable of variables) {
      const value = RUNNER_DEFAULTS[variable];
      lines.push(value === undefined ? `# ${variable}=` : `${variable}=${value}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

export function actionsWithMetadata() {
  return readdirSync(path.join(root, 'actions'))
    .filter((name) => existsSync(path.join(root, 'actions', name, 'action.yml')))
    .sort();
}

// `--check` writes nothing and fails when a file differs from what it would write.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const action of actionsWithMetadata()) {
    const file = path.join(root, 'actions', action, '.env.example');
    const text = envExample(action);
    if (!check) writeFileSync(file, text);
    else if (!existsSync(file) || readFileSync(file, 'utf8') !== text) stale.push(file);
  }
  if (stale.length > 0) {
    console.error(
      `${stale.map((file) => path.relative(root, file)).join('\n')}\n` +
        'are out of date (the inputs of action.yml, the runner variables its sources read): run `npm run readme` and commit them.',
    );
    process.exit(1);
  }
}
