// Every action's metadata: valid for GitHub, pointing at bundles that exist, and declaring
// exactly the inputs its code reads, all read in its one inputs.ts.
import Ajv from 'ajv';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { readActionMetadata, repoRoot } from '../harness/run-action';
import schema from './action-schema.json';
import { inputReads, sourceFiles } from './source-inputs';

const actionsDir = path.join(repoRoot, 'actions');
const SHARED = 'shared';
const actions = readdirSync(actionsDir).filter((name) => name !== SHARED);
const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(schema);

test('the suite has actions, and every folder under actions/ but the shared one is an action', () => {
  expect(actions.length).toBeGreaterThan(0);
  for (const action of actions)
    expect(existsSync(path.join(actionsDir, action, 'action.yml'))).toBe(true);
  expect(existsSync(path.join(actionsDir, SHARED, 'action.yml'))).toBe(false);
});

test('the schema refuses what GitHub would refuse', () => {
  const good = { name: 'a', description: 'b', runs: { using: 'node24', main: 'index.js' } };
  expect(validate(good)).toBe(true);
  expect(validate({ ...good, runs: { using: 'node26', main: 'index.js' } })).toBe(false);
  expect(validate({ ...good, inputs: { x: { default: '1' } } })).toBe(false);
  expect(validate({ ...good, outputs: { y: { description: 'y', value: '1' } } })).toBe(false);
  expect(validate({ ...good, branding: { color: 'pink' } })).toBe(false);
});

describe.each(actions)('%s', (action) => {
  const metadata = readActionMetadata(action);
  const sources = sourceFiles(path.join(actionsDir, action, 'src'));

  test('action.yml follows GitHub metadata syntax', () => {
    const valid = validate(metadata);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test('runs on node24, from bundles in dist/ that exist', () => {
    expect(metadata.runs.using).toBe('node24');
    expect(metadata.runs.main).toBe(`../../dist/${action}/index.js`);
    for (const entry of [metadata.runs.main, metadata.runs.post].filter(Boolean) as string[]) {
      expect(existsSync(path.resolve(actionsDir, action, entry))).toBe(true);
    }
  });

  test('declares exactly the inputs its code reads', () => {
    const reads = inputReads(sources);
    expect(reads.dynamic).toEqual([]);
    expect([...reads.names].sort()).toEqual(Object.keys(metadata.inputs ?? {}).sort());
  });

  test('reads inputs in inputs.ts only', () => {
    const readers = [...inputReads(sources).files].map((file) => path.basename(file));
    expect(readers).toEqual(['inputs.ts']);
  });
});

test('the shared code reads no input itself', () => {
  const reads = inputReads(
    sourceFiles(path.join(actionsDir, SHARED)).filter((file) => !file.endsWith('runner.ts')),
  );
  expect([...reads.files]).toEqual([]);
});
