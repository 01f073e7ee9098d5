import { ConfigurationError } from '../../shared/errors';
import { parseSecrets, type BuildOptions } from './build-options';
import {
  buildArguments,
  buildEnvironment,
  checkBuilderSupports,
  chooseBuilder,
  clientHasBuiltInBuildKit,
  containerDriverNeed,
  createBuilderArguments,
  parseBuilderDriver,
  suitsAnyBuilder,
  temporaryBuilder,
  type Builder,
} from './builder';

const BUILDX: Builder = { kind: 'buildx', buildkit: true, description: 'docker buildx build' };
const BUILDKIT: Builder = {
  kind: 'docker',
  buildkit: true,
  description: 'docker build (BuildKit)',
};
const LEGACY: Builder = {
  kind: 'docker',
  buildkit: false,
  description: 'docker build (legacy builder)',
};
const FILES = { iidFile: '/tmp/t/iid', metadataFile: '/tmp/t/metadata.json' };
const REFS = ['127.0.0.1:5000/team/app:1', '127.0.0.1:5000/team/app:latest'];

function options(overrides: Partial<BuildOptions> = {}): BuildOptions {
  return {
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
  };
}

describe('chooseBuilder', () => {
  test.each([
    ['auto', { buildx: true, clientVersion: '24.0.7' }, BUILDX],
    ['auto', { buildx: false, clientVersion: '20.10.24+dfsg1' }, BUILDKIT],
    ['auto', { buildx: false, clientVersion: '28.2.2' }, LEGACY],
    ['auto', { buildx: false, clientVersion: undefined }, LEGACY],
    ['auto', { buildx: false, clientVersion: '20.10.24', buildkitEnv: '0' }, LEGACY],
    ['docker', { buildx: true, clientVersion: '20.10.24' }, BUILDKIT],
    ['docker', { buildx: true, clientVersion: '27.1.0' }, LEGACY],
    ['buildx', { buildx: true, clientVersion: '27.1.0' }, BUILDX],
  ] as const)('%s with %j', (choice, facts, expected) => {
    expect(chooseBuilder(choice, facts)).toEqual(expected);
  });

  test('buildx asked for but missing is a configuration error naming builder', () => {
    expect(() => chooseBuilder('buildx', { buildx: false, clientVersion: '20.10.24' })).toThrow(
      /^Input 'builder': is buildx, but 'docker buildx' is not available/,
    );
  });

  test.each([
    ['18.09.1', true],
    ['20.10.24+dfsg1', true],
    ['22.06.0-beta.0', true],
    ['23.0.0', false],
    ['28.2.2', false],
    ['podman', false],
    [undefined, false],
  ])('built-in BuildKit in %s: %s', (version, expected) => {
    expect(clientHasBuiltInBuildKit(version)).toBe(expected);
  });
});

const NO_ATTESTATIONS = ['--provenance', 'false', '--sbom', 'false'];

describe('buildArguments: buildx', () => {
  test.each<[string, Partial<BuildOptions>, string[]]>([
    [
      'the minimum, pushed',
      {},
      [
        ...NO_ATTESTATIONS,
        '--iidfile',
        FILES.iidFile,
        '--metadata-file',
        FILES.metadataFile,
        '--push',
        '--',
        '.',
      ],
    ],
    [
      'not pushed: loaded into the local store',
      { push: false },
      [
        ...NO_ATTESTATIONS,
        '--iidfile',
        FILES.iidFile,
        '--metadata-file',
        FILES.metadataFile,
        '--load',
        '--',
        '.',
      ],
    ],
    [
      'every option',
      {
        context: 'services/api',
        file: 'services/api/Dockerfile.prod',
        buildArgs: ['NODE_ENV=production', 'EMPTY='],
        target: 'runtime',
        pull: true,
        noCache: true,
        platforms: ['linux/amd64', 'linux/arm64'],
        cacheFrom: ['type=registry,ref=r/app:cache', 'type=gha'],
        cacheTo: ['type=registry,ref=r/app:cache,mode=max'],
        secrets: parseSecrets('id=npm,src=.npmrc\nid=token,env=API_TOKEN'),
        provenance: 'mode=max',
        sbom: 'true',
        annotations: ['index:org.opencontainers.image.description=An app'],
      },
      [
        '--file',
        'services/api/Dockerfile.prod',
        '--build-arg',
        'NODE_ENV=production',
        '--build-arg',
        'EMPTY=',
        '--target',
        'runtime',
        '--pull',
        '--no-cache',
        '--platform',
        'linux/amd64,linux/arm64',
        '--cache-from',
        'type=registry,ref=r/app:cache',
        '--cache-from',
        'type=gha',
        '--cache-to',
        'type=registry,ref=r/app:cache,mode=max',
        '--provenance',
        'mode=max',
        '--sbom',
        'true',
        '--annotation',
        'index:org.opencontainers.image.description=An app',
        '--secret',
        'id=npm,src=.npmrc',
        '--secret',
        'id=token,env=API_TOKEN',
        '--iidfile',
        FILES.iidFile,
        '--metadata-file',
        FILES.metadataFile,
        '--push',
        '--',
        'services/api',
      ],
    ],
    [
      'a context that looks like a flag stays a context',
      { context: '--privileged' },
      [
        ...NO_ATTESTATIONS,
        '--iidfile',
        FILES.iidFile,
        '--metadata-file',
        FILES.metadataFile,
        '--push',
        '--',
        '--privileged',
      ],
    ],
  ])('%s', (_, overrides, tail) => {
    expect(buildArguments(BUILDX, options(overrides), REFS, [], FILES)).toEqual([
      'buildx',
      'build',
      '--tag',
      REFS[0],
      '--tag',
      REFS[1],
      ...tail,
    ]);
  });

  test('each label is one --label argument', () => {
    const labels = ['org.opencontainers.image.revision=abc', 'team=a b=c'];
    const args = buildArguments(BUILDX, options(), REFS.slice(0, 1), labels, FILES);
    expect(args.slice(0, 8)).toEqual([
      'buildx',
      'build',
      '--tag',
      REFS[0],
      '--label',
      labels[0],
      '--label',
      labels[1],
    ]);
  });

  test('values with spaces and shell characters stay single arguments', () => {
    const args = buildArguments(
      BUILDX,
      options({ buildArgs: ['MOTD=$(rm -rf /); echo `id` "quoted"'] }),
      REFS,
      [],
      FILES,
    );
    expect(args).toContain('MOTD=$(rm -rf /); echo `id` "quoted"');
  });

  test('no DOCKER_BUILDKIT for buildx', () => {
    expect(buildEnvironment(BUILDX)).toEqual({});
  });
});

describe('buildArguments: classic docker build', () => {
  test('BuildKit: registry caches become image references, inline cache-to a build arg', () => {
    const args = buildArguments(
      BUILDKIT,
      options({
        platforms: ['linux/amd64'],
        cacheFrom: ['type=registry,ref=r/app:cache', 'r/app:latest'],
        cacheTo: ['type=inline'],
        secrets: parseSecrets('id=npm,src=.npmrc'),
      }),
      REFS.slice(0, 1),
      [],
      FILES,
    );
    expect(args).toEqual([
      'build',
      '--tag',
      REFS[0],
      '--platform',
      'linux/amd64',
      '--cache-from',
      'r/app:cache',
      '--cache-from',
      'r/app:latest',
      '--build-arg',
      'BUILDKIT_INLINE_CACHE=1',
      '--secret',
      'id=npm,src=.npmrc',
      '--iidfile',
      FILES.iidFile,
      '--',
      '.',
    ]);
    expect(buildEnvironment(BUILDKIT)).toEqual({ DOCKER_BUILDKIT: '1' });
  });

  test('legacy builder: no metadata file, no push flag, DOCKER_BUILDKIT=0', () => {
    const args = buildArguments(LEGACY, options({ push: false }), [], [], FILES);
    expect(args).toEqual(['build', '--iidfile', FILES.iidFile, '--', '.']);
    expect(buildEnvironment(LEGACY)).toEqual({ DOCKER_BUILDKIT: '0' });
  });
});

describe('checkBuilderSupports', () => {
  test.each<[string, Builder, Partial<BuildOptions>, RegExp]>([
    ['platforms', BUILDKIT, { platforms: ['linux/amd64', 'linux/arm64'] }, /needs buildx/],
    ['platforms', LEGACY, { platforms: ['linux/amd64'] }, /legacy builder/],
    ['cache-to', BUILDKIT, { cacheTo: ['type=registry,ref=x'] }, /only type=inline works/],
    ['cache-to', LEGACY, { cacheTo: ['type=inline'] }, /leave cache-to out/],
    ['cache-from', BUILDKIT, { cacheFrom: ['type=local,src=/tmp/cache'] }, /not 'type=local/],
    ['cache-from', BUILDKIT, { cacheFrom: ['type=registry'] }, /type=registry,ref=IMAGE/],
    ['secrets', LEGACY, { secrets: parseSecrets('id=a,env=A') }, /need BuildKit/],
    ['platforms', BUILDX, { push: false, platforms: ['linux/amd64', 'linux/arm64'] }, /push it/],
    ['provenance', BUILDKIT, { provenance: 'true' }, /made by buildx only/],
    ['sbom', LEGACY, { sbom: 'mode=max' }, /made by buildx only/],
    ['annotations', BUILDKIT, { annotations: ['a=b'] }, /written by buildx only/],
  ])('%s refused by %j', (input, builder, overrides, message) => {
    const check = () => checkBuilderSupports(builder, options(overrides));
    expect(check).toThrow(ConfigurationError);
    expect(check).toThrow(new RegExp(`^Input '${input}': `));
    expect(check).toThrow(message);
  });

  test.each<[Builder, Partial<BuildOptions>]>([
    [BUILDX, { platforms: ['linux/amd64', 'linux/arm64'], cacheTo: ['type=gha'] }],
    [BUILDKIT, { platforms: ['linux/arm64'], cacheTo: ['type=inline'], cacheFrom: ['r/x:c'] }],
    [BUILDKIT, { secrets: parseSecrets('id=a,env=A') }],
    [LEGACY, { cacheFrom: ['type=registry,ref=r/x:c'] }],
  ])('%j accepts %j', (builder, overrides) => {
    expect(() => checkBuilderSupports(builder, options(overrides))).not.toThrow();
  });
});

describe('suitsAnyBuilder: whether the logins may run alongside the probe', () => {
  test.each<['auto' | 'docker', Partial<BuildOptions>]>([
    ['auto', {}],
    ['docker', {}],
    ['auto', { cacheFrom: ['type=registry,ref=r/x:c'], buildArgs: ['A=1'] }],
  ])('%s with %j: yes, no builder refuses it', (choice, overrides) => {
    expect(suitsAnyBuilder(choice, options(overrides))).toBe(true);
  });

  test.each<['auto' | 'buildx' | 'docker', Partial<BuildOptions>]>([
    ['buildx', {}],
    ['auto', { annotations: ['a=b'] }],
    ['auto', { provenance: 'true' }],
    ['auto', { platforms: ['linux/amd64'] }],
    ['auto', { cacheTo: ['type=inline'] }],
    ['auto', { secrets: parseSecrets('id=a,env=A') }],
    ['docker', { cacheFrom: ['type=gha'] }],
  ])('%s with %j: no, the probe decides', (choice, overrides) => {
    expect(suitsAnyBuilder(choice, options(overrides))).toBe(false);
  });
});

describe('the temporary docker-container builder', () => {
  test.each([
    [{}, undefined],
    [{ platforms: ['linux/amd64'] }, undefined],
    [{ cacheTo: ['type=inline'] }, undefined],
    [{ annotations: ['a=b'] }, undefined],
    [{ platforms: ['linux/amd64', 'linux/arm64'] }, 'several platforms (linux/amd64, linux/arm64)'],
    [{ cacheTo: ['type=inline', 'type=gha,mode=max'] }, 'cache-to type=gha'],
    [{ cacheTo: ['ghcr.io/org/app:cache'] }, 'cache-to type=registry'],
    [{ provenance: 'mode=max' }, 'provenance attestations'],
    [{ sbom: 'true' }, 'sbom attestations'],
  ] as [Partial<BuildOptions>, string | undefined][])(
    'what the docker driver cannot do in %j: %s',
    (overrides, expected) => {
      expect(containerDriverNeed(options(overrides))).toBe(expected);
    },
  );

  test('the driver is read from buildx inspect', () => {
    const inspect = 'Name:          builder-1\nDriver:        docker-container\nLast Activity: x\n';
    expect(parseBuilderDriver(inspect)).toBe('docker-container');
    expect(parseBuilderDriver('Name: default\nDriver: docker\n')).toBe('docker');
    expect(parseBuilderDriver('no such builder')).toBeUndefined();
  });

  test('create names the builder and its driver; buildkit-image becomes driver-opt image=', () => {
    expect(createBuilderArguments('docker-build-push-ab12')).toEqual([
      'buildx',
      'create',
      '--name',
      'docker-build-push-ab12',
      '--driver',
      'docker-container',
      '--driver-opt',
      'network=host',
    ]);
    expect(
      createBuilderArguments(
        'docker-build-push-ab12',
        'mirror.example/moby/buildkit:v0.18.2',
      ).slice(-2),
    ).toEqual(['--driver-opt', 'image=mirror.example/moby/buildkit:v0.18.2']);
  });

  test('the build names it with --builder and may export any cache', () => {
    const builder = temporaryBuilder('docker-build-push-ab12');
    const build = options({ cacheTo: ['type=gha,mode=max'], provenance: 'true' });
    expect(() => checkBuilderSupports(builder, build)).not.toThrow();
    const args = buildArguments(builder, build, REFS, [], FILES);
    expect(args.slice(0, 4)).toEqual(['buildx', 'build', '--builder', 'docker-build-push-ab12']);
    expect(args).toContain('type=gha,mode=max');
    expect(buildArguments(BUILDX, build, REFS, [], FILES)).not.toContain('--builder');
  });
});
