import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { MINIMUM_NODE_MAJOR, oldNodeCommand } from './node-version';

const FIX =
  'Under act, run the job in an image whose node is 20 or later: ' +
  'act -P ubuntu-latest=catthehacker/ubuntu:act-latest (pull it again if your copy is older). ' +
  'On a self-hosted runner, update the runner: from v2.327.1 it runs these node24 actions on its own Node.js 24.';

test.each(['20.0.0', '20.20.2', '22.22.0', '24.21.0', '30.0.0'])(
  'Node.js %s runs the bundles',
  (found) => {
    expect(oldNodeCommand(found, 'main')).toBeUndefined();
    expect(oldNodeCommand(found, 'post')).toBeUndefined();
  },
);

test('an older Node.js fails a main step, naming what it found, the minimum and the fix', () => {
  expect(oldNodeCommand('16.20.2', 'main')).toBe(
    '::error::This action needs Node.js 20 or later, ' +
      `but the step was started by Node.js 16.20.2. ${FIX}\n`,
  );
});

test('an older Node.js makes a post step warn, not fail', () => {
  expect(oldNodeCommand('18.20.8', 'post')).toBe(
    '::warning::This action needs Node.js 20 or later, ' +
      `but the post step was started by Node.js 18.20.8: it did nothing. ${FIX}\n`,
  );
});

test.each(['8.17.0', '12.22.12', '16.20.2', '18.20.8', '19.9.0'])(
  'Node.js %s is stopped',
  (found) => {
    expect(oldNodeCommand(found, 'main')).toMatch(/^::error::This action needs Node\.js 20 /);
  },
);

test('a version that does not parse is let through rather than stopped', () => {
  expect(oldNodeCommand('', 'main')).toBeUndefined();
  expect(oldNodeCommand('next', 'main')).toBeUndefined();
});

test('the message is escaped as the runner reads a workflow command', () => {
  const command = oldNodeCommand('16.0.0-100%\r\n::warning::x', 'main');
  expect(command).toContain('Node.js 16.0.0-100%25%0D%0A::warning::x.');
  expect(command?.indexOf('\n')).toBe(command!.length - 1);
});

test('the minimum is not above the Node.js every action.yml runs on', () => {
  const actionsDir = path.join(__dirname, '..');
  const using = readdirSync(actionsDir)
    .filter((name) => existsSync(path.join(actionsDir, name, 'action.yml')))
    .map((name) => {
      const metadata = parse(readFileSync(path.join(actionsDir, name, 'action.yml'), 'utf8')) as {
        runs: { using: string };
      };
      return [name, metadata.runs.using];
    });
  expect(using.length).toBeGreaterThan(0);
  for (const [, runtime] of using) {
    expect(runtime).toMatch(/^node\d+$/);
    expect(Number(runtime.slice('node'.length))).toBeGreaterThanOrEqual(MINIMUM_NODE_MAJOR);
  }
});
