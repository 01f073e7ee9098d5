// What Swarm says about a service, read from remote/swarm-status.sh's output, and what the
// action makes of it: still converging, or done with a status. Pure: swarm-deploy.ts polls.
//
// The CLI's own exit code is not the verdict: a `docker service update` that Swarm rolled back
// exits 0. The verdict is the service's UpdateStatus and its tasks: done when every task Swarm
// wants running runs the image of the service's current spec, and is running (with a
// HEALTHCHECK, Swarm holds a task in `starting` until it is healthy).

export interface Task {
  id: string;
  /** `<service>.<slot>` for replicated services, as `docker service ps` names tasks. */
  name: string;
  /** The node's hostname (its ID's start when the name is not known). */
  node: string;
  nodeId: string;
  image: string;
  /** Swarm's task state: new, pending, assigned, accepted, preparing, starting, running, complete, failed, shutdown, rejected, orphaned, remove. */
  state: string;
  desiredState: string;
  error: string;
  exitCode?: number;
  timestamp: string;
}

export interface ServiceSnapshot {
  id: string;
  name: string;
  /** The image of the service's current spec: after a rollback, the previous one again. */
  image: string;
  previousImage?: string;
  /** Undefined for a global service. */
  replicas?: number;
  /** UpdateStatus.State: updating, paused, completed, rollback_started, rollback_paused, rollback_completed; absent before any update. */
  updateState?: string;
  updateMessage?: string;
  updateStartedAt?: string;
  version: number;
  /** Published ports in host mode, from the spec. */
  hostModePorts: number[];
  ports: Array<{ published: number; target: number; protocol: string; mode: string }>;
  mounts: string[];
  env: string[];
  constraints: string[];
  /** The spec's own health check (`CMD-SHELL`, command), which overrides the image's; [] for none. */
  healthTest: string[];
  tasks: Task[];
}

export type ServiceStatus =
  'updated' | 'created' | 'unchanged' | 'rolled-back' | 'paused' | 'failed';

export interface RawTask {
  ID?: string;
  Slot?: number;
  NodeID?: string;
  DesiredState?: string;
  Spec?: { ContainerSpec?: { Image?: string } };
  Status?: {
    State?: string;
    Err?: string;
    Timestamp?: string;
    ContainerStatus?: { ExitCode?: number };
  };
}

export interface RawService {
  ID?: string;
  Version?: { Index?: number };
  Spec?: RawServiceSpec;
  PreviousSpec?: RawServiceSpec;
  UpdateStatus?: { State?: string; Message?: string; StartedAt?: string };
}

interface RawServiceSpec {
  Name?: string;
  Mode?: { Replicated?: { Replicas?: number } };
  TaskTemplate?: {
    ContainerSpec?: {
      Image?: string;
      Env?: string[];
      Healthcheck?: { Test?: string[] };
      Mounts?: Array<{ Target?: string }>;
    };
    Placement?: { Constraints?: string[] };
  };
  EndpointSpec?: {
    Ports?: Array<{
      PublishedPort?: number;
      TargetPort?: number;
      Protocol?: string;
      PublishMode?: string;
    }>;
  };
}

/** The sections of the status program's output, between its `<nonce> <name>` lines. */
export function splitSections(output: string, nonce: string): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | undefined;
  let body: string[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith(`${nonce} `)) {
      if (current !== undefined) sections.set(current, body.join('\n'));
      current = line.slice(nonce.length + 1).trim();
      body = [];
    } else if (current !== undefined) {
      body.push(line);
    }
  }
  if (current !== undefined) sections.set(current, body.join('\n'));
  return sections;
}

function parseJsonArray<T>(text: string | undefined, what: string): T[] {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new Error(`the manager's answer about ${what} is not JSON: ${trimmed.slice(0, 200)}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`the manager's answer about ${what} is not a list`);
  return parsed as T[];
}

/** Whether a task runs on a node whose name is not known yet. */
export function hasUnknownNode(snapshot: ServiceSnapshot, known: Map<string, string>): boolean {
  return snapshot.tasks.some((task) => task.nodeId !== '' && !known.has(task.nodeId));
}

/** `ID HOSTNAME` lines into a map. */
function parseNodes(text: string | undefined): Map<string, string> {
  const nodes = new Map<string, string>();
  for (const line of (text ?? '').split('\n')) {
    const [id, hostname] = line.trim().split(/\s+/);
    if (id && hostname) nodes.set(id, hostname);
  }
  return nodes;
}

/**
 * The service as the status program printed it; undefined when the service does not exist.
 * `known` holds node names from earlier looks (the program lists nodes only when asked); the
 * nodes of this look are added to it.
 */
export function parseSnapshot(
  output: string,
  nonce: string,
  known: Map<string, string> = new Map(),
): ServiceSnapshot | undefined {
  const sections = splitSections(output, nonce);
  for (const [id, hostname] of parseNodes(sections.get('nodes'))) known.set(id, hostname);
  const services = parseJsonArray<RawService>(sections.get('service'), 'the service');
  return snapshotOf(
    services[0],
    parseJsonArray<RawTask>(sections.get('tasks'), 'the tasks'),
    known,
  );
}

/**
 * The service from the objects the Docker Engine API returns (which `docker service inspect`
 * and `docker inspect --type task` print as they are); undefined when there is no service.
 */
export function snapshotOf(
  raw: RawService | undefined,
  rawTasks: RawTask[],
  nodes: Map<string, string>,
): ServiceSnapshot | undefined {
  if (raw === undefined) return undefined;
  const spec = raw.Spec ?? {};
  const name = spec.Name ?? '';
  const tasks = rawTasks.map((task): Task => ({
    id: task.ID ?? '',
    name: task.Slot ? `${name}.${task.Slot}` : `${name}.${(task.NodeID ?? '').slice(0, 12)}`,
    node: nodes.get(task.NodeID ?? '') ?? (task.NodeID ?? '').slice(0, 12),
    nodeId: task.NodeID ?? '',
    image: task.Spec?.ContainerSpec?.Image ?? '',
    state: task.Status?.State ?? '',
    desiredState: task.DesiredState ?? '',
    error: task.Status?.Err ?? '',
    exitCode: task.Status?.ContainerStatus?.ExitCode,
    timestamp: task.Status?.Timestamp ?? '',
  }));
  const ports = (spec.EndpointSpec?.Ports ?? []).map((port) => ({
    published: port.PublishedPort ?? 0,
    target: port.TargetPort ?? 0,
    protocol: port.Protocol ?? 'tcp',
    mode: port.PublishMode ?? 'ingress',
  }));
  return {
    id: raw.ID ?? '',
    name,
    image: spec.TaskTemplate?.ContainerSpec?.Image ?? '',
    previousImage: raw.PreviousSpec?.TaskTemplate?.ContainerSpec?.Image,
    replicas: spec.Mode?.Replicated ? (spec.Mode.Replicated.Replicas ?? 0) : undefined,
    updateState: raw.UpdateStatus?.State,
    updateMessage: raw.UpdateStatus?.Message,
    updateStartedAt: raw.UpdateStatus?.StartedAt,
    version: raw.Version?.Index ?? 0,
    hostModePorts: ports.filter((port) => port.mode === 'host').map((port) => port.published),
    ports,
    mounts: (spec.TaskTemplate?.ContainerSpec?.Mounts ?? []).map((mount) => mount.Target ?? ''),
    env: spec.TaskTemplate?.ContainerSpec?.Env ?? [],
    constraints: spec.TaskTemplate?.Placement?.Constraints ?? [],
    healthTest: spec.TaskTemplate?.ContainerSpec?.Healthcheck?.Test ?? [],
    tasks,
  };
}

/** The tasks Swarm wants running (the current ones, not the history). */
export function wantedTasks(snapshot: ServiceSnapshot): Task[] {
  return snapshot.tasks.filter((task) => task.desiredState === 'running');
}

/** `sha256:ab12cd34ef56` from a reference pinned by digest; else the reference itself. */
export function shortImage(image: string): string {
  const at = image.lastIndexOf('@');
  if (at < 0) return image;
  const digest = image.slice(at + 1);
  return digest.startsWith('sha256:') ? `${digest.slice(0, 19)}…` : digest;
}

/** Running desired tasks on the spec's image, against the replicas wanted. */
export function countConverged(snapshot: ServiceSnapshot): { running: number; desired: number } {
  const wanted = wantedTasks(snapshot);
  const running = wanted.filter(
    (task) => task.state === 'running' && task.image === snapshot.image,
  ).length;
  const desired = snapshot.replicas ?? wanted.length;
  return { running, desired };
}

/** One line for the log: `web: 2/3 tasks on sha256:ab12…, 1 starting on node-2`. */
export function progressLine(snapshot: ServiceSnapshot): string {
  const { running, desired } = countConverged(snapshot);
  const others = wantedTasks(snapshot).filter(
    (task) => !(task.state === 'running' && task.image === snapshot.image),
  );
  const byState = new Map<string, string[]>();
  for (const task of others) {
    const key = task.image === snapshot.image ? task.state : `${task.state} (old image)`;
    byState.set(key, [...(byState.get(key) ?? []), task.node]);
  }
  const rest = [...byState].map(
    ([state, nodes]) => `${nodes.length} ${state} on ${[...new Set(nodes)].join(', ')}`,
  );
  const update = snapshot.updateState ? ` [${snapshot.updateState.replace(/_/g, ' ')}]` : '';
  return `${snapshot.name}: ${running}/${desired} tasks on ${shortImage(snapshot.image)}${rest.length > 0 ? `, ${rest.join(', ')}` : ''}${update}`;
}

/** Every desired task runs the spec's image, and there are as many as wanted. */
function isConverged(snapshot: ServiceSnapshot): boolean {
  const wanted = wantedTasks(snapshot);
  const { running, desired } = countConverged(snapshot);
  return running >= desired && wanted.every((task) => task.image === snapshot.image);
}

export type Phase = { done: false } | { done: true; status: ServiceStatus; reason?: string };

/**
 * Where an update or a creation stands. `before` is the service as it was before the action
 * changed it (undefined when it was created); `image` the spec image the action asked for
 * resolved by Swarm, known once the change is made.
 */
export function phaseOf(
  snapshot: ServiceSnapshot,
  before: ServiceSnapshot | undefined,
  failedStarts: number,
): Phase {
  const state = snapshot.updateState;
  const updatedNow =
    before !== undefined && snapshot.updateStartedAt !== before.updateStartedAt && state;
  if (state === 'updating' || state === 'rollback_started') return { done: false };
  if (updatedNow && state === 'paused') {
    return { done: true, status: 'paused', reason: snapshot.updateMessage };
  }
  if (updatedNow && state === 'rollback_paused') {
    return { done: true, status: 'failed', reason: snapshot.updateMessage };
  }
  if (updatedNow && state === 'rollback_completed') {
    // Swarm calls a rollback complete before the previous tasks all run again: wait for them.
    return isConverged(snapshot)
      ? { done: true, status: 'rolled-back', reason: snapshot.updateMessage }
      : { done: false };
  }
  if (!isConverged(snapshot)) {
    if (before === undefined && failedStarts > 0 && countConverged(snapshot).running === 0) {
      // A new service has no previous version for Swarm to return to; it would retry forever.
      const desired = countConverged(snapshot).desired;
      if (failedStarts >= Math.max(3, 2 * desired)) {
        return { done: true, status: 'failed', reason: 'its tasks keep failing to start' };
      }
    }
    return { done: false };
  }
  if (before === undefined) return { done: true, status: 'created' };
  // The spec's version moves with every update, even one that changes no task (the registry
  // login it carries is new each time): unchanged is the same image on the same tasks.
  const taskIds = (seen: ServiceSnapshot) =>
    wantedTasks(seen)
      .map((task) => task.id)
      .sort()
      .join(' ');
  const unchanged = snapshot.image === before.image && taskIds(snapshot) === taskIds(before);
  return { done: true, status: unchanged ? 'unchanged' : 'updated' };
}

/**
 * Tasks that failed (ended with an error, rejected, or exited), newest first: of `image`, or
 * with `{ except }` of any image but that one (after a rollback, the one that runs again).
 */
export function failedTasks(snapshot: ServiceSnapshot, image: string | { except: string }): Task[] {
  const ofImage = (task: Task) =>
    typeof image === 'string' ? task.image === image : task.image !== image.except;
  return snapshot.tasks
    .filter(
      (task) =>
        ofImage(task) &&
        // A task Swarm shut down itself (an update, a rollback) ends `shutdown` without error.
        (['failed', 'rejected'].includes(task.state) ||
          (task.state === 'shutdown' && task.error !== '')),
    )
    .sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0));
}

/** `task web.2 on node-2: task: non-zero exit (3)` */
export function describeTask(task: Task): string {
  const exit =
    task.exitCode !== undefined && task.exitCode !== 0 ? ` (exit code ${task.exitCode})` : '';
  return `task ${task.name} on ${task.node}: ${task.error || task.state}${task.error.includes('exit') ? '' : exit}`;
}
