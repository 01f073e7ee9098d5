// Which bundles the repository ships: every `runs.pre/main/post` of every actions/*/action.yml.
// A bundle at dist/<action>/index.js is built from actions/<action>/src/index.ts, and one at
// dist/<action>/<entry>/index.js from actions/<action>/src/<entry>.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const root = path.resolve(import.meta.dirname, '..');

export function listBundles() {
  const bundles = [];
  const actionsDir = path.join(root, 'actions');
  for (const name of readdirSync(actionsDir).sort()) {
    const metadataFile = path.join(actionsDir, name, 'action.yml');
    if (!existsSync(metadataFile)) continue;
    const { runs } = parse(readFileSync(metadataFile, 'utf8'));
    for (const key of ['pre', 'main', 'post']) {
      if (!runs?.[key]) continue;
      const output = path.relative(
        path.join(root, 'dist'),
        path.resolve(actionsDir, name, runs[key]),
      );
      const parts = output.split(path.sep);
      if (parts[0] !== name || parts.at(-1) !== 'index.js' || parts.length > 3) {
        throw new Error(
          `${metadataFile}: runs.${key} must be ../../dist/${name}/index.js or ../../dist/${name}/<entry>/index.js`,
        );
      }
      const entry = parts.length === 3 ? parts[1] : 'index';
      bundles.push({
        action: name,
        output,
        source: path.join(actionsDir, name, 'src', `${entry}.ts`),
      });
    }
  }
  return bundles;
}
