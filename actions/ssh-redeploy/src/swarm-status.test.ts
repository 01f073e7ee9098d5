import {
  describeTask,
  failedTasks,
  parseSnapshot,
  phaseOf,
  progressLine,
  type ServiceSnapshot,
} from './swarm-status';

const NONCE = 'srd-0123456789abcdef01234567';
const OLD = 'reg:5000/app:v1@sha256:' + '1'.repeat(64);
const NEW = 'reg:5000/app:v2@sha256:' + '2'.repeat(64);

interface TaskShape {
  slot: number;
  node: string;
  image: string;
  state: string;
  desired?: string;
  err?: string;
  exit?: number;
  at?: string;
}

function output(options: {
  image: string;
  previous?: string;
  update?: { State: string; StartedAt: string; Message?: string };
  version?: number;
  replicas?: number;
  tasks: TaskShape[];
}): string {
  const service = [
    {
      ID: 'svc1',
      Version: { Index: options.version ?? 10 },
      Spec: {
        Name: 'web',
        Mode: { Replicated: { Replicas: options.replicas ?? 3 } },
        TaskTemplate: {
          ContainerSpec: { Image: options.image, Env: ['A=1'], Mounts: [{ Target: '/data' }] },
          Placement: { Constraints: ['node.role==worker'] },
        },
        EndpointSpec: {
          Ports: [{ Protocol: 'tcp', TargetPort: 8080, PublishedPort: 8050, PublishMode: 'host' }],
        },
      },
      ...(options.previous
        ? { PreviousSpec: { TaskTemplate: { ContainerSpec: { Image: options.previous } } } }
        : {}),
      ...(options.update ? { UpdateStatus: options.update } : {}),
    },
  ];
  const tasks = options.tasks.map((task, index) => ({
    ID: `task${index}`,
    Slot: task.slot,
    NodeID: task.node,
    DesiredState: task.desired ?? 'running',
    Spec: { ContainerSpec: { Image: task.image } },
    Status: {
      State: task.state,
      Timestamp: task.at ?? `2026-12-05T10:00:0${index}Z`,
      ...(task.err ? { Err: task.err } : {}),
      ...(task.exit !== undefined ? { ContainerStatus: { ExitCode: task.exit } } : {}),
    },
  }));
  return [
    `${NONCE} swarm`,
    'active true',
    `${NONCE} service`,
    JSON.stringify(service, null, 2),
    `${NONCE} tasks`,
    JSON.stringify(tasks),
    `${NONCE} nodes`,
    'n1 node-1',
    'n2 node-2',
    'n3 node-3',
    `${NONCE} end`,
  ].join('\n');
}

const snapshot = (text: string): ServiceSnapshot => {
  const parsed = parseSnapshot(text, NONCE);
  if (!parsed) throw new Error('no service');
  return parsed;
};

const allOn = (image: string, state = 'running'): TaskShape[] => [
  { slot: 1, node: 'n1', image, state },
  { slot: 2, node: 'n2', image, state },
  { slot: 3, node: 'n3', image, state },
];

describe('parseSnapshot', () => {
  it('reads the service, its tasks by node name, and what an update needs', () => {
    const seen = snapshot(output({ image: OLD, tasks: allOn(OLD) }));
    expect(seen).toMatchObject({
      name: 'web',
      image: OLD,
      replicas: 3,
      version: 10,
      hostModePorts: [8050],
      mounts: ['/data'],
      env: ['A=1'],
      constraints: ['node.role==worker'],
    });
    expect(seen.tasks.map((task) => `${task.name}@${task.node}`)).toEqual([
      'web.1@node-1',
      'web.2@node-2',
      'web.3@node-3',
    ]);
  });

  it('says there is no service when Swarm has none', () => {
    const text = `${NONCE} service\n[]\n${NONCE} tasks\n[]\n${NONCE} nodes\n${NONCE} end\n`;
    expect(parseSnapshot(text, NONCE)).toBeUndefined();
  });

  it('does not take a line that merely looks like a section for one', () => {
    const text = output({ image: OLD, tasks: allOn(OLD) }).replace(
      'n3 node-3',
      'n3 node-3\nsrd-forged service',
    );
    expect(snapshot(text).tasks[2].node).toBe('node-3');
  });

  it('fails clearly on an answer that is not JSON', () => {
    expect(() => parseSnapshot(`${NONCE} service\nError: oops\n`, NONCE)).toThrow(/not JSON/);
  });
});

describe('progress and phase', () => {
  const before = snapshot(
    output({
      image: OLD,
      update: { State: 'completed', StartedAt: 'then' },
      version: 10,
      tasks: allOn(OLD),
    }),
  );

  it('shows how many tasks run the new image and what the others do', () => {
    const seen = snapshot(
      output({
        image: NEW,
        previous: OLD,
        update: { State: 'updating', StartedAt: 'now' },
        version: 11,
        tasks: [
          { slot: 1, node: 'n1', image: NEW, state: 'running' },
          { slot: 2, node: 'n2', image: NEW, state: 'starting' },
          { slot: 3, node: 'n3', image: OLD, state: 'running' },
        ],
      }),
    );
    expect(progressLine(seen)).toBe(
      'web: 1/3 tasks on sha256:222222222222…, 1 starting on node-2, 1 running (old image) on node-3 [updating]',
    );
    expect(phaseOf(seen, before, 0)).toEqual({ done: false });
  });

  it('is done when every wanted task runs the new image', () => {
    const seen = snapshot(
      output({
        image: NEW,
        previous: OLD,
        update: { State: 'completed', StartedAt: 'now' },
        version: 11,
        tasks: [
          ...allOn(NEW),
          { slot: 1, node: 'n1', image: OLD, state: 'shutdown', desired: 'shutdown' },
        ],
      }),
    );
    expect(phaseOf(seen, before, 0)).toEqual({ done: true, status: 'updated' });
  });

  it('is unchanged when the update changed nothing', () => {
    expect(phaseOf(before, before, 0)).toEqual({ done: true, status: 'unchanged' });
  });

  it('waits after rollback_completed until the old tasks run again, then says rolled back', () => {
    const rolling = output({
      image: OLD,
      previous: NEW,
      update: { State: 'rollback_completed', StartedAt: 'now', Message: 'rollback completed' },
      version: 12,
      tasks: [
        { slot: 1, node: 'n1', image: OLD, state: 'running' },
        { slot: 2, node: 'n2', image: OLD, state: 'starting' },
        { slot: 3, node: 'n3', image: OLD, state: 'running' },
        {
          slot: 2,
          node: 'n2',
          image: NEW,
          state: 'shutdown',
          desired: 'shutdown',
          err: 'task: non-zero exit (1): dockerexec: unhealthy container',
          exit: 1,
          at: '2026-12-05T10:00:09Z',
        },
      ],
    });
    expect(phaseOf(snapshot(rolling), before, 0)).toEqual({ done: false });
    const done = snapshot(rolling.replace('"starting"', '"running"'));
    expect(phaseOf(done, before, 0)).toMatchObject({ done: true, status: 'rolled-back' });
    const [culprit] = failedTasks(done, NEW);
    expect(describeTask(culprit)).toBe(
      'task web.2 on node-2: task: non-zero exit (1): dockerexec: unhealthy container',
    );
  });

  it('reports a paused update', () => {
    const seen = snapshot(
      output({
        image: NEW,
        previous: OLD,
        update: { State: 'paused', StartedAt: 'now', Message: 'update paused due to failure' },
        tasks: allOn(OLD),
      }),
    );
    expect(phaseOf(seen, before, 0)).toEqual({
      done: true,
      status: 'paused',
      reason: 'update paused due to failure',
    });
  });

  it('gives up on a new service whose tasks keep failing', () => {
    const failing = snapshot(
      output({
        image: NEW,
        tasks: [
          { slot: 1, node: 'n1', image: NEW, state: 'starting' },
          { slot: 1, node: 'n1', image: NEW, state: 'failed', desired: 'shutdown', exit: 3 },
        ],
        replicas: 1,
      }),
    );
    expect(phaseOf(failing, undefined, 1)).toEqual({ done: false });
    expect(phaseOf(failing, undefined, 3)).toMatchObject({ done: true, status: 'failed' });
    expect(phaseOf(snapshot(output({ image: NEW, tasks: allOn(NEW) })), undefined, 0)).toEqual({
      done: true,
      status: 'created',
    });
  });
});
