import { ConfigurationError } from '../../shared/errors';
import {
  chooseUpdateOrder,
  createArguments,
  HEALTH_ARGUMENT,
  healthFlags,
  parseConstraints,
  parseRatio,
  parseServiceName,
  parseServicePorts,
  updateArguments,
  type ServiceSpec,
} from './swarm-spec';

const spec: ServiceSpec = {
  service: 'web',
  image: 'registry.example.com/app@sha256:' + 'a'.repeat(64),
  ports: [{ mode: 'host', published: 8050, target: 8080, protocol: 'tcp' }],
  volumes: [{ source: 'data', target: '/data', readOnly: false }],
  env: [['TOKEN', 'a b,c=d']],
  replicas: 3,
  networks: ['backend'],
  constraints: ['node.role==worker'],
  healthCmd: 'wget -q -O /dev/null http://127.0.0.1:8080/',
  updateParallelism: 1,
  updateDelayMs: 0,
  monitorMs: 5_000,
  rollback: true,
  maxFailureRatio: 0,
  stopGracePeriodMs: 1_000,
};

describe('service inputs', () => {
  it.each(['web', 'my_app-2', 'a'])('takes the service name %p', (name) => {
    expect(parseServiceName('service', name)).toBe(name);
  });

  it.each(['-web', 'web-', 'a b', 'web;rm', "it's", 'x'.repeat(64), ''])(
    'refuses the service name %p',
    (name) => {
      expect(() => parseServiceName('service', name)).toThrow(ConfigurationError);
    },
  );

  it('reads published ports in ingress or host mode', () => {
    expect(parseServicePorts('8050:8080\nmode=host,53:53/udp')).toEqual([
      { mode: 'ingress', published: 8050, target: 8080, protocol: 'tcp' },
      { mode: 'host', published: 53, target: 53, protocol: 'udp' },
    ]);
    expect(() => parseServicePorts('127.0.0.1:8050:8080')).toThrow(/published:target/);
    expect(() => parseServicePorts('mode=vip,80:80')).toThrow(ConfigurationError);
  });

  it('reads constraints and refuses ones that would split a flag', () => {
    expect(parseConstraints('node.role == worker\nnode.labels.zone!=b')).toEqual([
      'node.role==worker',
      'node.labels.zone!=b',
    ]);
    expect(() => parseConstraints('node.role==worker,node.role==manager')).toThrow(/constraint/);
    expect(() => parseConstraints('role=worker')).toThrow(ConfigurationError);
  });

  it('reads a failure ratio from 0 to 1', () => {
    expect(parseRatio('max-failure-ratio', '0')).toBe(0);
    expect(parseRatio('max-failure-ratio', '0.25')).toBe(0.25);
    expect(parseRatio('max-failure-ratio', '1')).toBe(1);
    expect(() => parseRatio('max-failure-ratio', '1.5')).toThrow(/fraction/);
    expect(() => parseRatio('max-failure-ratio', '-0.1')).toThrow(ConfigurationError);
  });
});

describe('update order', () => {
  it('is start-first unless a port is published in host mode', () => {
    expect(chooseUpdateOrder({ service: 'web' }, [])).toEqual({ order: 'start-first' });
    const choice = chooseUpdateOrder({ service: 'web' }, [8050]);
    expect(choice.order).toBe('stop-first');
    expect(choice.notice).toMatch(/8050 in host mode/);
  });

  it('is what the user set, when set', () => {
    expect(chooseUpdateOrder({ service: 'web', updateOrder: 'start-first' }, [8050])).toEqual({
      order: 'start-first',
    });
  });
});

describe('docker service arguments', () => {
  it('creates a service with every setting as one argument each', () => {
    const args = createArguments(spec, 'stop-first', spec.image ?? '');
    expect(args.slice(0, 4)).toEqual(['service', 'create', '--detach', '--with-registry-auth']);
    expect(args).toEqual(
      expect.arrayContaining([
        '--name=web',
        '--replicas=3',
        '--update-order=stop-first',
        '--rollback-order=stop-first',
        '--update-monitor=5000ms',
        '--update-failure-action=rollback',
        '--publish=mode=host,published=8050,target=8080,protocol=tcp',
        '--mount=type=volume,source=data,target=/data',
        '--env=TOKEN=a b,c=d',
        '--network=backend',
        '--constraint=node.role==worker',
      ]),
    );
    // health-cmd goes in only when the image has no HEALTHCHECK: swarm-docker.sh decides.
    expect(args.slice(-2)).toEqual([HEALTH_ARGUMENT, spec.image]);
    expect(healthFlags(spec)).toEqual([
      '--health-cmd=wget -q -O /dev/null http://127.0.0.1:8080/',
      '--health-interval=2s',
      '--health-retries=3',
    ]);
    expect(createArguments({ ...spec, healthCmd: undefined }, 'stop-first', 'app:1')).not.toContain(
      HEALTH_ARGUMENT,
    );
  });

  it('pauses instead of rolling back when rollback is off', () => {
    const args = createArguments({ ...spec, rollback: false }, 'start-first', 'app:1');
    expect(args).toContain('--update-failure-action=pause');
  });

  it('updates what was given and leaves the rest alone', () => {
    const existing = {
      ports: [{ published: 9000, target: 80, protocol: 'tcp', mode: 'ingress' }],
      mounts: ['/old'],
      env: ['TOKEN=old', 'GONE=1'],
      constraints: ['node.role==worker', 'node.labels.zone==a'],
    };
    const args = updateArguments(spec, 'start-first', existing);
    expect(args).toEqual(
      expect.arrayContaining([
        `--image=${spec.image}`,
        '--publish-rm=9000',
        '--publish-add=mode=host,published=8050,target=8080,protocol=tcp',
        '--mount-rm=/old',
        '--env-rm=GONE',
        '--env-add=TOKEN=a b,c=d',
        '--constraint-rm=node.labels.zone==a',
      ]),
    );
    expect(args).not.toContain('--env-rm=TOKEN');
    expect(args).not.toContain('--constraint-add=node.role==worker');
    expect(args.slice(-2)).toEqual([HEALTH_ARGUMENT, 'web']);

    const bare = updateArguments(
      {
        ...spec,
        image: undefined,
        replicas: undefined,
        ports: [],
        volumes: [],
        env: [],
        constraints: [],
      },
      'start-first',
      existing,
    );
    expect(bare.some((arg) => /^--(image|replicas|publish|mount|env|constraint)/.test(arg))).toBe(
      false,
    );
  });
});
