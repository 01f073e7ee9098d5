// `npm run demo [-- --summary FILE] [--slot N]` (scripts/demo.mjs) ends here, compiled to
// .action-tests/demo/main.js: the pipeline of the seeds against a sandbox on this machine.
import path from 'node:path';
import { runDemo } from './pipeline';

const USAGE = 'usage: npm run demo [-- --summary FILE] [--slot 1-49] [--min-coverage PERCENT]';
/** Apart from the demo test's (21) and the VPN tests' slots, so they can run at the same time. */
const DEFAULT_SLOT = 22;

interface Arguments {
  summaryFile: string;
  slot: number;
  minCoverage?: number;
}

function parseArguments(argv: string[]): Arguments {
  let summaryFile = 'demo-summary.md';
  let slot = DEFAULT_SLOT;
  let minCoverage: number | undefined;
  for (let index = 0; index < argv.length; index++) {
    const [name, inline] = argv[index].split(/=(.*)/s);
    const value = () => inline ?? argv[++index];
    if (name === '--summary') summaryFile = value() ?? '';
    else if (name === '--slot') slot = Number(value());
    else if (name === '--min-coverage') minCoverage = Number(value());
    else throw new Error(`unknown argument ${argv[index]}`);
  }
  if (summaryFile === '') throw new Error('--summary needs a file name');
  if (!Number.isInteger(slot) || slot < 1 || slot > 49) throw new Error('--slot must be 1-49');
  if (minCoverage !== undefined && !(minCoverage >= 0 && minCoverage <= 100)) {
    throw new Error('--min-coverage must be a percentage, 0-100');
  }
  // npm runs scripts from the package's folder; a relative path means the caller's folder.
  const base = process.env.INIT_CWD ?? process.cwd();
  return { summaryFile: path.resolve(base, summaryFile), slot, minCoverage };
}

async function main(): Promise<number> {
  let options: Arguments;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const interrupt = new AbortController();
  const stop = () => {
    process.stdout.write(
      '\nInterrupted: no further step starts; the sandbox is torn down once the step under way ends (a second Ctrl-C leaves it as it is).\n',
    );
    interrupt.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const result = await runDemo({
    ...options,
    print: (line) => process.stdout.write(`${line}\n`),
    signal: interrupt.signal,
  });
  return result.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
