// Runs shellcheck on every shell program of the repository (the programs that ssh-redeploy runs
// on servers, and the CI entry point), as part of `npm run lint`.
import { execFileSync, spawnSync } from 'node:child_process';
import { root } from './bundles.mjs';

const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '*.sh', '.ci/run'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter(Boolean);

const result = spawnSync('shellcheck', ['--severity=style', ...files], {
  cwd: root,
  stdio: 'inherit',
});
if (result.error) {
  console.error(
    `shellcheck did not run (${result.error.message}): install it (Debian package shellcheck).`,
  );
  process.exit(1);
}
if (result.status === 0) console.log(`shellcheck: ${files.length} files, no findings`);
process.exit(result.status ?? 1);
