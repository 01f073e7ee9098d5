// Builds every bundle with ncc into dist/ (or the folder given with --out), replacing what
// was there, so a bundle whose action.yml entry is gone also disappears.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { listBundles, root } from './bundles.mjs';

const ncc = createRequire(import.meta.url)('@vercel/ncc');

export async function build(outDir) {
  rmSync(outDir, { recursive: true, force: true });
  for (const bundle of listBundles()) {
    let result;
    try {
      result = await ncc(bundle.source, {
        cache: false,
        minify: false,
        sourceMap: false,
        license: 'licenses.txt',
        quiet: true,
      });
    } catch (error) {
      // ncc's errors carry its whole minified source in their stack: keep the message only.
      // eslint-disable-next-line preserve-caught-error
      throw new Error(
        `building ${path.relative(root, bundle.source)} failed:\n${String(error.message).slice(0, 4000)}`,
      );
    }
    const { code, assets } = result;
    const target = path.join(outDir, path.dirname(bundle.output));
    mkdirSync(target, { recursive: true });
    writeFileSync(path.join(target, 'index.js'), code);
    for (const [name, asset] of Object.entries(assets ?? {})) {
      mkdirSync(path.dirname(path.join(target, name)), { recursive: true });
      writeFileSync(path.join(target, name), asset.source, { mode: asset.permissions });
    }
    console.log(`built ${path.relative(root, path.join(target, 'index.js'))}`);
  }
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  const outFlag = process.argv.indexOf('--out');
  await build(outFlag > 0 ? path.resolve(process.argv[outFlag + 1]) : path.join(root, 'dist'));
}
