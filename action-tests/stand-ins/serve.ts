// Runs a stand-in as a process, for workflows (`act` or a runner) that use the actions from
// their path: `node serve.js render <file>` starts the Render stand-in and writes its URLs
// and keys to <file> as JSON; it serves until killed.
import { writeFileSync } from 'node:fs';
import { startRenderStandIn } from './render';

async function serve(kind: string | undefined, file: string | undefined): Promise<void> {
  if (kind !== 'render' || !file) throw new Error('usage: serve render <file>');
  const render = await startRenderStandIn({
    statuses: ['created', 'build_in_progress', 'update_in_progress', 'live'],
  });
  const { hookUrl, apiUrl, apiKey, serviceId } = render;
  writeFileSync(file, JSON.stringify({ hookUrl, apiUrl, apiKey, serviceId }), { mode: 0o600 });
  process.on('SIGTERM', () => void render.close().then(() => process.exit(0)));
}

serve(process.argv[2], process.argv[3]).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
