// The oldest Node.js the bundles run on. The runner starts node24 actions on its own Node.js 24;
// `act` (and runners like it) start the `node` of the job's image, and on an older one a bundle
// used to fail far from the cause, as "fetch is not defined". The bundles run on Node.js 20 and
// later (action-tests/repository/node-version.test.ts starts every entry on 20 and on 16), so
// act's default images, whose node is 20, keep working. Every entry imports
// check-node-main.ts or check-node-post.ts first, so this runs before any other module of the
// bundle is evaluated: it imports nothing, and the bundles keep to syntax Node.js 16 parses.

export const MINIMUM_NODE_MAJOR = 20;

type Stage = 'main' | 'post';

/** The runner's escaping of a command's message: `%`, CR and LF would end or garble it. */
function escapeMessage(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/**
 * The workflow command that stops a step started by Node.js `found`, or undefined when that
 * Node.js is recent enough. A main step fails; a post step warns, as every post step does.
 */
export function oldNodeCommand(found: string, stage: Stage): string | undefined {
  const major = Number.parseInt(found, 10);
  // A version that does not parse is let through: only a known old one is stopped.
  if (!(major < MINIMUM_NODE_MAJOR)) return undefined;
  const minimum = MINIMUM_NODE_MAJOR;
  const message =
    `This action needs Node.js ${minimum} or later, ` +
    `but the ${stage === 'main' ? 'step' : 'post step'} was started by Node.js ${found}` +
    `${stage === 'main' ? '' : ': it did nothing'}. ` +
    `Under act, run the job in an image whose node is ${minimum} or later: ` +
    `act -P ubuntu-latest=catthehacker/ubuntu:act-latest (pull it again if your copy is older). ` +
    `On a self-hosted runner, update the runner: from v2.327.1 it runs these node24 actions on its own Node.js 24.`;
  return `::${stage === 'main' ? 'error' : 'warning'}::${escapeMessage(message)}\n`;
}

/** Ends the process at once when this Node.js is too old: exit code 1 for main, 0 for post. */
export function stopOnOldNode(stage: Stage): void {
  const command = oldNodeCommand(process.versions.node, stage);
  if (command === undefined) return;
  // Synchronous on a pipe or file on Linux, so nothing is lost by exiting right after.
  process.stdout.write(command);
  process.exit(stage === 'main' ? 1 : 0);
}
