import {
  formatBytes,
  mergeLabels,
  metadata,
  ociLabels,
  outputs,
  summaryRows,
  type BuildReport,
} from './report';

const DIGEST = `sha256:${'d'.repeat(64)}`;
const ID = `sha256:${'1'.repeat(64)}`;
const pushed: BuildReport = {
  image: 'docker.io/user/app',
  images: [
    {
      name: 'docker.io/user/app',
      key: 'user/app',
      references: ['docker.io/user/app:0.1.42', 'docker.io/user/app:latest'],
      digest: DIGEST,
    },
  ],
  references: ['docker.io/user/app:0.1.42', 'docker.io/user/app:latest'],
  builder: 'docker build (BuildKit)',
  pushed: true,
  digest: DIGEST,
  imageId: ID,
  sizeBytes: 4_321_000,
  buildMs: 2_345,
  pushMs: 870,
  platforms: [],
  labels: { 'org.opencontainers.image.revision': 'abc' },
};

test('outputs of a pushed image', () => {
  expect(outputs(pushed)).toEqual({
    digest: DIGEST,
    'image-ref': `docker.io/user/app@${DIGEST}`,
    digests: JSON.stringify({ 'user/app': DIGEST }),
    'image-refs': `docker.io/user/app@${DIGEST}`,
    'image-url': 'docker.io/user/app:0.1.42',
    tags: 'docker.io/user/app:0.1.42\ndocker.io/user/app:latest',
    'image-id': ID,
    metadata: JSON.stringify(metadata(pushed)),
  });
  expect(metadata(pushed)).toEqual({
    image: 'docker.io/user/app',
    tags: pushed.references,
    digest: DIGEST,
    'image-ref': `docker.io/user/app@${DIGEST}`,
    images: ['docker.io/user/app'],
    digests: { 'user/app': DIGEST },
    'image-id': ID,
    pushed: true,
    builder: 'docker build (BuildKit)',
    platforms: [],
    labels: pushed.labels,
    'size-bytes': 4_321_000,
    'build-seconds': 2.345,
    'push-seconds': 0.87,
  });
});

test('outputs of an image not pushed: no digest, no image-ref', () => {
  const local = {
    ...pushed,
    images: pushed.images.map((image) => ({ ...image, digest: undefined })),
    pushed: false,
    digest: undefined,
    pushMs: undefined,
  };
  expect(outputs(local)).toMatchObject({
    digest: '',
    'image-ref': '',
    digests: '',
    'image-refs': '',
    'image-id': ID,
  });
  expect(metadata(local)).toMatchObject({ digest: null, 'image-ref': null, 'push-seconds': null });
  expect(summaryRows(local)[1][2]).toBe('(not pushed)');
});

test('the summary row', () => {
  expect(summaryRows(pushed)).toEqual([
    ['Image', 'Tags', 'Digest', 'Size', 'Build time', 'Push time', 'Builder'],
    [
      'docker.io/user/app',
      'docker.io/user/app:0.1.42<br>docker.io/user/app:latest',
      DIGEST,
      '4.3 MB',
      '2.3s',
      '870ms',
      'docker build (BuildKit)',
    ],
  ]);
});

test('several repositories: digests keyed as given, image-refs one a line, a row each', () => {
  const other = `sha256:${'e'.repeat(64)}`;
  const two: BuildReport = {
    ...pushed,
    images: [
      pushed.images[0],
      {
        name: 'ghcr.io/org/app',
        key: 'ghcr.io/org/app',
        references: ['ghcr.io/org/app:0.1.42'],
        digest: other,
      },
    ],
  };
  const out = outputs(two);
  expect(JSON.parse(out.digests)).toEqual({ 'user/app': DIGEST, 'ghcr.io/org/app': other });
  expect(out['image-refs'].split('\n')).toEqual([
    `docker.io/user/app@${DIGEST}`,
    `ghcr.io/org/app@${other}`,
  ]);
  expect(out.digest).toBe(DIGEST);
  const rows = summaryRows(two);
  expect(rows).toHaveLength(3);
  expect(rows[2].slice(0, 3)).toEqual(['ghcr.io/org/app', 'ghcr.io/org/app:0.1.42', other]);
});

test.each([
  [undefined, ''],
  [512, '512 B'],
  [1_500, '1.5 KB'],
  [73_400_000, '73.4 MB'],
  [2_000_000_000, '2.0 GB'],
])('formatBytes(%j)', (bytes, text) => {
  expect(formatBytes(bytes)).toBe(text);
});

test('OCI labels, and user labels over them', () => {
  const own = ociLabels(
    { serverUrl: 'https://github.com', repository: 'octo/app', sha: 'abc', version: '1.2.3' },
    new Date('2026-01-02T03:04:05Z'),
  );
  expect(own).toEqual({
    'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z',
    'org.opencontainers.image.source': 'https://github.com/octo/app',
    'org.opencontainers.image.revision': 'abc',
    'org.opencontainers.image.version': '1.2.3',
  });
  expect(mergeLabels(own, ['org.opencontainers.image.version=custom', 'team=a=b'])).toMatchObject({
    'org.opencontainers.image.version': 'custom',
    team: 'a=b',
  });
  expect(Object.keys(ociLabels({}, new Date(0)))).toEqual(['org.opencontainers.image.created']);
});
