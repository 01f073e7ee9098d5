// Builds the bundles with ncc into dist/ (or the folder given with --out), replacing what
// was there, so a bundle whose action.yml entry is gone also disappears. Names given on the
// command line build those actions only (`npm run build -- render-hook`). Types are checked
// by `npm run typecheck`, not here, so one action's build never waits on another's types.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { listBundles, root } from './bundles.mjs';

const ncc = createRequire(import.meta.url)('@vercel/ncc');

// ssh2 ships pagent.exe, a Windows helper for the Pageant agent that ssh2 starts only on Windows;
// ncc copies it as an asset. These actions run on Linux runners: a binary has no place in dist/.
const WINDOWS_ONLY = /\.exe$/;

function leaveOut(assetName) {
  return WINDOWS_ONLY.test(assetName);
}

export async function build(outDir, only = []) {
  if (only.length === 0) rmSync(outDir, { recursive: true, force: true });
  for (const action of only) rmSync(path.join(outDir, action), { recursive: true, force: true });
  const bundles = listBundles().filter(
    (bundle) => only.length === 0 || only.includes(bundle.action),
  );
  for (const action of only) {
    if (!bundles.some((bundle) => bundle.action === action))
      throw new Error(`no action named ${action}`);
  }
  for (const bundle of bundles) {
    let result;
    try {
      result = await ncc(bundle.source, {
        cache: false,
        minify: false,
        sourceMap: false,
        license: 'licenses.txt',
        quiet: true,
        transpileOnly: true,
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
      if (leaveOut(name)) continue;
      mkdirSync(path.dirname(path.join(target, name)), { recursive: true });
      writeFileSync(path.join(target, name), asset.source, { mode: asset.permissions });
    }
    console.log(`built ${path.relative(root, path.join(target, 'index.js'))}`);
  }
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  const args = process.argv.slice(2);
  const outFlag = args.indexOf('--out');
  const outDir = outFlag >= 0 ? path.resolve(args.splice(outFlag, 2)[1]) : path.join(root, 'dist');
  await build(outDir, args);
}
