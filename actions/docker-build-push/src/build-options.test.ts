import {
  BUILD_ARG_KEY,
  cacheReference,
  cacheType,
  checkBuildSources,
  LABEL_KEY,
  parseAnnotations,
  parseAttestation,
  parseKeyValues,
  parseSecrets,
  type BuildOptions,
} from './build-options';

test('parseKeyValues keeps everything after the first =', () => {
  expect(parseKeyValues('build-args', 'A=1\nB=x=y\nC=', BUILD_ARG_KEY)).toEqual([
    'A=1',
    'B=x=y',
    'C=',
  ]);
  expect(parseKeyValues('labels', 'org.example/team=a b', LABEL_KEY)).toEqual([
    'org.example/team=a b',
  ]);
});

test.each([
  ['build-args', 'NO_VALUE', BUILD_ARG_KEY],
  ['build-args', '1BAD=x', BUILD_ARG_KEY],
  ['build-args', '=x', BUILD_ARG_KEY],
  ['labels', 'has space=x', LABEL_KEY],
])('%s refuses %j', (input, raw, pattern) => {
  expect(() => parseKeyValues(input, raw, pattern)).toThrow(
    new RegExp(`^Input '${input}': '.*' is not KEY=VALUE`),
  );
});

test('parseSecrets', () => {
  expect(
    parseSecrets('id=npm,src=.npmrc\nid=token,env=API_TOKEN\ntype=file,id=k,source=k.pem'),
  ).toEqual([
    { id: 'npm', src: '.npmrc', env: undefined, spec: 'id=npm,src=.npmrc' },
    { id: 'token', src: undefined, env: 'API_TOKEN', spec: 'id=token,env=API_TOKEN' },
    { id: 'k', src: 'k.pem', env: undefined, spec: 'type=file,id=k,source=k.pem' },
  ]);
});

test.each([
  ['id=a', /exactly one of src= or env=/],
  ['id=a,src=x,env=Y', /exactly one of src= or env=/],
  ['src=x', /needs an id/],
  ['id=a,src=', /exactly one/],
  ['id=a,path=x', /is not a build secret/],
  ['id=a,src=x\nid=a,env=B', /the id 'a' is given twice/],
])('parseSecrets refuses %j', (raw, message) => {
  expect(() => parseSecrets(raw)).toThrow(message);
});

test.each([
  ['type=registry,ref=r/a:cache', 'registry', 'r/a:cache'],
  ['ref=r/a:cache', 'registry', 'r/a:cache'],
  ['r/a:cache', 'registry', 'r/a:cache'],
  ['type=gha,scope=x', 'gha', undefined],
  ['type=inline', 'inline', undefined],
])('cache spec %j', (spec, type, reference) => {
  expect(cacheType(spec)).toBe(type);
  expect(cacheReference(spec)).toBe(reference);
});

describe('checkBuildSources', () => {
  const options = (overrides: Partial<BuildOptions>): BuildOptions => ({
    context: '.',
    buildArgs: [],
    labels: [],
    platforms: [],
    cacheFrom: [],
    cacheTo: [],
    secrets: [],
    pull: false,
    noCache: false,
    push: true,
    provenance: 'false',
    sbom: 'false',
    annotations: [],
    ...overrides,
  });
  const existing = new Set(['.', 'app', 'app/Dockerfile', '.npmrc']);
  const exists = (path: string) => existing.has(path);

  test('accepts what exists, and remote contexts without looking', () => {
    expect(() =>
      checkBuildSources(
        options({
          context: 'app',
          file: 'app/Dockerfile',
          secrets: parseSecrets('id=n,src=.npmrc\nid=t,env=T'),
        }),
        exists,
        { T: '' },
      ),
    ).not.toThrow();
    expect(() =>
      checkBuildSources(options({ context: 'https://github.com/o/r.git#main' }), exists, {}),
    ).not.toThrow();
  });

  test.each([
    [{ context: 'nope' }, /^Input 'context': 'nope' does not exist/],
    [{ file: 'Dockerfile.prod' }, /^Input 'file': 'Dockerfile.prod' does not exist/],
    [{ secrets: parseSecrets('id=t,env=UNSET') }, /^Input 'secrets': 't' reads the variable UNSET/],
    [
      { secrets: parseSecrets('id=k,src=key.pem') },
      /^Input 'secrets': 'k' reads the file 'key.pem'/,
    ],
  ])('%j is refused', (overrides, message) => {
    expect(() => checkBuildSources(options(overrides), exists, {})).toThrow(message);
  });
});

test.each([
  ['', 'false'],
  ['False', 'false'],
  ['TRUE', 'true'],
  ['mode=max', 'mode=max'],
  ['mode=min,builder-id=https://example.com/ci', 'mode=min,builder-id=https://example.com/ci'],
])('attestation %j reads as %j', (raw, value) => {
  expect(parseAttestation('provenance', raw)).toBe(value);
});

test.each(['yes', 'mode=', 'max mode', '--provenance=true'])('attestation %j is refused', (raw) => {
  expect(() => parseAttestation('sbom', raw)).toThrow(
    /^Input 'sbom': .* is not an attestation choice\. Use false, true/,
  );
});

test('annotations: KEY=VALUE one a line, with or without a level', () => {
  expect(
    parseAnnotations('org.opencontainers.image.title=App\nindex,manifest:team=pay ments\n'),
  ).toEqual(['org.opencontainers.image.title=App', 'index,manifest:team=pay ments']);
  expect(() => parseAnnotations('no value here')).toThrow(
    /^Input 'annotations': 'no value here' is not KEY=VALUE/,
  );
});
