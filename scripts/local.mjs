// npm run local -- <action> [dotenv file]: runs an action from its TypeScript sources with
// GitHub's @github/local-action, main then cleanup (the post step) where there is one. The
// inputs come from actions/<action>/.env, else its .env.example.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { root } from './bundles.mjs';

const [action, envFile] = process.argv.slice(2);
const folder = action && path.join(root, 'actions', action);
if (!folder || !existsSync(path.join(folder, 'action.yml'))) {
  console.error(
    'Usage: npm run local -- <action> [dotenv file], e.g. npm run local -- render-hook',
  );
  process.exit(2);
}
const dotenv =
  envFile ?? [path.join(folder, '.env'), path.join(folder, '.env.example')].find(existsSync);
const args = ['run', folder, 'src/main.ts', path.resolve(dotenv)];
// local-action resolves --post from the working directory, the entry point from the action's.
const cleanup = path.join(folder, 'src', 'cleanup.ts');
if (existsSync(cleanup)) args.push('--post', cleanup);
const result = spawnSync(path.join(root, 'node_modules', '.bin', 'local-action'), args, {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
