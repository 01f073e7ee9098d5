"use strict";
exports.id = 933;
exports.ids = [933];
exports.modules = {

/***/ 276:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.dockerSocketPath = dockerSocketPath;
exports.dockerApi = dockerApi;
// Read-only questions to the Docker Engine API of a server, through its Unix socket forwarded
// over the SSH connection the action already has (OpenSSH's streamlocal forwarding, allowed by
// sshd unless AllowStreamLocalForwarding or DisableForwarding says otherwise). A look at a
// Swarm service then costs a request on the daemon instead of starting the docker CLI on the
// manager a few times, which a small manager feels while Swarm starts tasks. Changes are never
// made this way: they go through the CLI (remote/swarm-docker.sh), with the registry login.
const node_http_1 = __webpack_require__(7067);
/** The socket the docker CLI on the server talks to, from its environment; undefined when it
 * is not a local Unix socket the action can be sure of (a TCP or SSH host, a named context). */
function dockerSocketPath(dockerHost, dockerContext) {
    if (dockerContext !== '' && dockerContext !== 'default')
        return undefined;
    if (dockerHost === '')
        return '/var/run/docker.sock';
    if (dockerHost.startsWith('unix://')) {
        const socketPath = dockerHost.slice('unix://'.length);
        return socketPath.startsWith('/') ? socketPath : undefined;
    }
    return undefined;
}
/** Largest answer read: a service's task list with its history stays far below. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
function dockerApi(open, timeoutMs) {
    return {
        async get(path) {
            const socket = await open();
            return new Promise((resolve, reject) => {
                const timer = setTimeout(() => {
                    req.destroy(new Error(`the Docker API did not answer ${path} in time`));
                }, timeoutMs);
                const req = (0, node_http_1.request)({
                    createConnection: () => socket,
                    method: 'GET',
                    path,
                    headers: { Host: 'docker', Connection: 'close', Accept: 'application/json' },
                }, (response) => {
                    const chunks = [];
                    let size = 0;
                    response.on('data', (chunk) => {
                        size += chunk.length;
                        if (size > MAX_BODY_BYTES) {
                            req.destroy(new Error(`the Docker API's answer to ${path} is too large`));
                            return;
                        }
                        chunks.push(chunk);
                    });
                    response.on('error', reject);
                    response.on('end', () => {
                        clearTimeout(timer);
                        socket.destroy();
                        const status = response.statusCode ?? 0;
                        if (status === 404) {
                            resolve(undefined);
                            return;
                        }
                        const text = Buffer.concat(chunks).toString('utf8');
                        if (status !== 200) {
                            reject(new Error(`the Docker API answered ${path} with ${status}`));
                            return;
                        }
                        try {
                            resolve(JSON.parse(text));
                        }
                        catch {
                            reject(new Error(`the Docker API's answer to ${path} is not JSON`));
                        }
                    });
                });
                req.on('error', (error) => {
                    clearTimeout(timer);
                    socket.destroy();
                    reject(error);
                });
                req.end();
            });
        },
    };
}


/***/ }),

/***/ 933:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {

var __webpack_unused_export__;

__webpack_unused_export__ = ({ value: true });
exports.deployService = deployService;
exports.deployStack = deployStack;
// Service mode: creates or updates a Swarm service through one SSH connection to a manager,
// then follows Swarm until every task it wants runs the new image, or Swarm has rolled back.
// The changes are made by remote/swarm-docker.sh, the looks by remote/swarm-status.sh; what
// their answers mean is decided in swarm-status.ts.
const duration_1 = __webpack_require__(3788);
const errors_1 = __webpack_require__(9223);
const docker_api_1 = __webpack_require__(276);
const deploy_program_1 = __webpack_require__(7943);
const remote_shell_1 = __webpack_require__(5472);
const swarm_spec_1 = __webpack_require__(6601);
const swarm_status_1 = __webpack_require__(1488);
/** How often Swarm is asked how the update goes. */
const POLL_INTERVAL_MS = 500;
/** How often a light look asks while Swarm updates: it costs the manager one docker call. */
const LIGHT_POLL_INTERVAL_MS = 250;
/** How often Swarm is asked through its API, where a look costs the manager next to nothing. */
const API_POLL_INTERVAL_MS = 150;
/** One request to the Docker API. */
const API_TIMEOUT_MS = 15_000;
/** After command-timeout, how long the rollback the action asks for may take. */
const ROLLBACK_WAIT_MS = 60_000;
/** One look or one change; the whole deploy is bounded by command-timeout besides. */
const CALL_TIMEOUT_MS = 60_000;
/** The argument swarm-docker.sh replaces with the path of the file it was given. */
const COMPOSE_FILE_ARGUMENT = '@file';
/** While an update runs, a look with tasks (for the progress line) at least this often. */
const FULL_LOOK_EVERY_MS = 3_000;
/** Looks in a row that may fail before the deploy gives up following Swarm. */
const LOOK_ATTEMPTS = 3;
/** A failed task's log lines shown in the log and the summary. */
const LOG_LINES = 20;
class Manager {
    target;
    connection;
    log;
    constructor(target, connection, log) {
        this.target = target;
        this.connection = connection;
        this.log = log;
    }
    async call(program, timeoutMs, quiet = false) {
        let stdout = '';
        let stderr = '';
        const result = await this.connection.run(program, {
            stdout: (chunk) => (stdout += chunk.toString('utf8')),
            stderr: (chunk) => (stderr += chunk.toString('utf8')),
        }, timeoutMs);
        if (!quiet || result.code !== 0)
            this.show(stderr.split('\n'));
        if (result.timedOut)
            throw new errors_1.ActionFailure(`${this.target.label}: Swarm did not answer in time.`);
        if (result.connectionLost) {
            throw new errors_1.ActionFailure(`${this.target.label}: the connection was lost (${result.connectionLost}).`);
        }
        return { result, stdout };
    }
    /** Lines from the server (Swarm's words, node names), never read as workflow commands. */
    show(lines) {
        const shown = lines.filter((line) => line.trim() !== '');
        if (shown.length === 0)
            return;
        this.log.startOutput();
        for (const line of shown)
            this.log.line(line);
        this.log.endOutput();
    }
    /** Node names by ID, kept from look to look. */
    nodes = new Map();
    nodesWanted = true;
    /** The daemon's API through its socket, while it answers as the CLI does. */
    api;
    apiAnswered = false;
    /** Service IDs by name, as the CLI saw them: an API answer must name the same service. */
    cliIds = new Map();
    /** Whether looks go through the Docker API (see docker-api.ts). */
    get throughApi() {
        return this.api !== undefined;
    }
    /**
     * What the manager knows of the service: `check` first checks that it is a manager; `light`
     * asks about the service alone, without its tasks (the snapshot then has none). Through the
     * API, every look has the tasks.
     */
    async look(service, nonce, { check = false, light = false } = {}) {
        if (!check && this.api && this.cliIds.has(service)) {
            try {
                const snapshot = await this.apiLook(this.api, service);
                if (!this.apiAnswered) {
                    this.apiAnswered = true;
                    this.log.info('Following Swarm through the Docker API, its socket forwarded over SSH.');
                }
                return { snapshot, withTasks: true };
            }
            catch (error) {
                this.api = undefined;
                this.log.info(`Following Swarm through the docker CLI: the Docker API is out of reach (${(0, errors_1.errorMessage)(error)}).`);
            }
        }
        // The node names are asked in the first look after the check: not on the way to the change.
        const nodes = this.nodesWanted && !check && !light;
        const program = (0, remote_shell_1.remoteProgram)(remote_shell_1.remoteFiles.swarmStatus(), {
            NONCE: nonce,
            SERVICE: service,
            CHECK: check ? '1' : '0',
            // The check's look needs no tasks when the API can bring them.
            TASKS: check ? '0' : light ? 'unless-updating' : '1',
            NODES: nodes ? '1' : '0',
        });
        const answer = await this.call(program, CALL_TIMEOUT_MS, true);
        if (answer.result.code === 11) {
            throw new errors_1.ActionFailure(`${this.target.label}: Docker does not answer; see the log above.`);
        }
        if (answer.result.code !== 0) {
            throw new errors_1.ActionFailure(`${this.target.label}: could not read the state of ${service} (exit code ${answer.result.code ?? 'none'}); see the log above.`);
        }
        const snapshot = (0, swarm_status_1.parseSnapshot)(answer.stdout, nonce, this.nodes);
        if (snapshot)
            this.cliIds.set(service, snapshot.id);
        if (nodes) {
            this.nodesWanted = false;
        }
        else if (!light && snapshot !== undefined && (0, swarm_status_1.hasUnknownNode)(snapshot, this.nodes)) {
            // A task on a node not seen yet (one that just joined): ask for the nodes next time.
            // (Asked and still unknown: the node has left; asking again would not help.)
            this.nodesWanted = true;
        }
        const sections = (0, swarm_status_1.splitSections)(answer.stdout, nonce);
        if (check) {
            const [dockerHost = '', dockerContext = ''] = (sections.get('socket') ?? '').split('\n');
            const socketPath = (0, docker_api_1.dockerSocketPath)(dockerHost, dockerContext);
            if (socketPath) {
                this.api = (0, docker_api_1.dockerApi)(() => this.connection.openSocket(socketPath), API_TIMEOUT_MS);
            }
        }
        return { swarm: sections.get('swarm')?.trim(), snapshot, withTasks: sections.has('tasks') };
    }
    /**
     * A look through the API: the service, its tasks, and the nodes when one is not known. The
     * service must be the one the CLI saw under that name, or the API is some other daemon.
     */
    async apiLook(api, service) {
        const raw = await api.get(`/services/${encodeURIComponent(service)}`);
        const id = raw?.ID ?? '';
        if (id !== this.cliIds.get(service)) {
            throw new Error(`it does not show the service ${service} as the docker CLI does`);
        }
        if (raw === undefined)
            return undefined;
        const filters = encodeURIComponent(JSON.stringify({ service: { [id]: true } }));
        const tasks = (await api.get(`/tasks?filters=${filters}`)) ?? [];
        if (this.nodesWanted || tasks.some((task) => task.NodeID && !this.nodes.has(task.NodeID))) {
            const nodes = (await api.get('/nodes')) ??
                [];
            for (const node of nodes) {
                if (node.ID && node.Description?.Hostname)
                    this.nodes.set(node.ID, node.Description.Hostname);
            }
            this.nodesWanted = false;
        }
        return (0, swarm_status_1.snapshotOf)(raw, tasks, this.nodes);
    }
    /**
     * Runs docker with `args` (see remote/swarm-docker.sh): logged in to `registry`, with
     * `file` in place of the argument `@file`, and in place of `@health` the health-cmd flags
     * when `health.image` has no HEALTHCHECK, else the flags that take back an earlier one.
     */
    async docker(args, nonce, { registry, merge = false, file = '', health, } = {}) {
        const program = (0, remote_shell_1.remoteProgram)(remote_shell_1.remoteFiles.swarmDocker(), {
            NONCE: nonce,
            ARGS: (0, remote_shell_1.lines)(args),
            MERGE: merge ? '1' : '0',
            FILE: file,
            REGISTRY: registry?.host ?? '',
            REGISTRY_USERNAME: registry?.username ?? '',
            REGISTRY_PASSWORD: registry?.password ?? '',
            HEALTH_IMAGE: health?.image ?? '',
            HEALTH_ARGS: (0, remote_shell_1.lines)(health?.flags ?? []),
            HEALTH_RESET: (0, remote_shell_1.lines)(health?.reset ?? []),
        });
        const answer = await this.call(program, CALL_TIMEOUT_MS);
        const said = answer.stdout.split('\n').filter((line) => line.startsWith(`${nonce} `));
        const reasonLine = said.find((line) => line.startsWith(`${nonce} reason `));
        this.show(answer.stdout.split('\n').filter((line) => !line.startsWith(`${nonce} `)));
        return {
            ...answer,
            reason: reasonLine?.slice(`${nonce} reason `.length),
            imageHealthcheck: said.includes(`${nonce} image-healthcheck`),
        };
    }
}
/** Connects to the first manager that answers; the others are fallbacks. */
async function reachManager(targets, connector, log) {
    const problems = [];
    for (const target of targets) {
        try {
            const connection = await connector.connect(target);
            log.info(`Connected to ${target.label} as ${target.username} (host key ${connection.hostKeyNote}).`);
            return new Manager(target, connection, log);
        }
        catch (error) {
            if (targets.length === 1)
                throw error;
            problems.push((0, errors_1.errorMessage)(error));
            log.info(`${(0, errors_1.errorMessage)(error)} Trying the next manager.`);
        }
    }
    throw new errors_1.ActionFailure(`No manager answered: ${problems.join(' ')}`);
}
function taskRows(snapshot) {
    if (!snapshot)
        return [];
    return (0, swarm_status_1.wantedTasks)(snapshot)
        .map((task) => ({ node: task.node, state: task.state, image: task.image, error: task.error }))
        .sort((a, b) => a.node.localeCompare(b.node));
}
/** Checks that the host is a Swarm manager; returns what it knows of `service`. */
async function checkManager(manager, service, nonce) {
    const label = manager.target.label;
    const first = await manager.look(service, nonce, { check: true });
    const [nodeState, control] = (first.swarm ?? '').split(' ');
    if (nodeState !== 'active') {
        throw new errors_1.ActionFailure(`${label} is not part of a Swarm (its state is ${nodeState || 'unknown'}). Run docker swarm init there first, or use container: to run one container.`);
    }
    if (control !== 'true') {
        throw new errors_1.ActionFailure(`${label} is a Swarm worker, not a manager: services can only be changed on a manager. Name a manager in host (docker node ls on a manager lists them).`);
    }
    // The check's look has the service without its tasks: the next one brings them.
    return first.snapshot && (await manager.look(service, nonce)).snapshot;
}
/**
 * Follows the services until each is done, or `until` passes; with `rollingBack`, until each
 * has rolled back.
 */
async function follow(manager, services, nonce, until, clock, rollingBack) {
    for (;;) {
        const round = clock.now();
        let allLight = true;
        for (const item of services) {
            if (item.phase)
                continue;
            let seen;
            try {
                // While Swarm updates, a light look (the service alone) most of the time spares the
                // manager: each look starts docker a few times. It cannot end the deploy by itself:
                // when the update state moves on, a full look follows at once.
                const light = !rollingBack &&
                    item.now?.updateState === 'updating' &&
                    clock.now() - item.fullLookAt < FULL_LOOK_EVERY_MS;
                const looked = await manager.look(item.name, nonce, { light });
                seen = looked.snapshot;
                if (seen && !looked.withTasks) {
                    if (seen.image === item.now?.image) {
                        item.failures = 0;
                        continue;
                    }
                    seen = (await manager.look(item.name, nonce)).snapshot;
                }
                allLight = false;
                item.fullLookAt = clock.now();
                item.failures = 0;
            }
            catch (error) {
                // One look that fails (Swarm busy, a task gone between two commands) is asked again.
                item.failures += 1;
                if (item.failures >= LOOK_ATTEMPTS)
                    throw error;
                continue;
            }
            if (!seen) {
                throw new errors_1.ActionFailure(`${manager.target.label}: the service ${item.name} disappeared during the deploy.`);
            }
            item.now = seen;
            const line = (0, swarm_status_1.progressLine)(seen);
            if (line !== item.shown) {
                manager.show([line]);
                item.shown = line;
            }
            const phase = rollingBack
                ? rollbackPhase(seen)
                : (0, swarm_status_1.phaseOf)(seen, item.before, failedStarts(item));
            if (phase.done)
                item.phase = phase;
        }
        if (services.every((item) => item.phase))
            return;
        if (clock.now() >= until)
            return;
        // The interval counts from the start of the round: a look takes a good part of it.
        const interval = manager.throughApi
            ? API_POLL_INTERVAL_MS
            : allLight
                ? LIGHT_POLL_INTERVAL_MS
                : POLL_INTERVAL_MS;
        const next = Math.min(round + interval, until);
        await clock.sleep(Math.max(0, next - clock.now()));
    }
}
function failedStarts(item) {
    return item.before || !item.now ? 0 : (0, swarm_status_1.failedTasks)(item.now, item.now.image).length;
}
function rollbackPhase(seen) {
    const counts = (0, swarm_status_1.countConverged)(seen);
    if (seen.updateState === 'rollback_completed' && counts.running >= counts.desired) {
        return { done: true, status: 'rolled-back' };
    }
    if (seen.updateState === 'rollback_paused') {
        return { done: true, status: 'failed', reason: seen.updateMessage };
    }
    return { done: false };
}
/**
 * Follows the services after a change until Swarm is done with each. Past `deadline`, asks
 * Swarm to roll back the updates still running (when `rollback`), and waits for that.
 */
async function followToTheEnd(manager, services, nonce, deadline, clock, rollback, timeoutMs, say) {
    await follow(manager, services, nonce, deadline, clock, false);
    const late = services.filter((item) => !item.phase);
    const timedOut = new Set(late.map((item) => item.name));
    for (const item of late) {
        if (item.before && rollback) {
            say.warning(`${item.name}: the update did not finish within command-timeout (${(0, duration_1.formatDuration)(timeoutMs)}); asking Swarm to roll it back.`);
            await manager.docker(['service', 'rollback', '--detach', item.name], nonce);
        }
        else {
            item.phase = {
                done: true,
                status: 'failed',
                reason: `not done after command-timeout (${(0, duration_1.formatDuration)(timeoutMs)})`,
            };
        }
    }
    const rolling = late.filter((item) => !item.phase);
    if (rolling.length > 0) {
        await follow(manager, rolling, nonce, clock.now() + ROLLBACK_WAIT_MS, clock, true);
        for (const item of rolling) {
            item.phase ??= {
                done: true,
                status: 'failed',
                reason: `the rollback did not finish within ${(0, duration_1.formatDuration)(ROLLBACK_WAIT_MS)} either`,
            };
        }
    }
    return timedOut;
}
/** The outcome of one followed service, with the failing task named and its log fetched. */
async function outcomeOf(manager, item, image, timedOut, timeoutMs, nonce, started, clock) {
    const final = item.now ?? item.before;
    const phase = item.phase ?? { done: true, status: 'failed' };
    const status = phase.status;
    const counts = final ? (0, swarm_status_1.countConverged)(final) : { running: 0, desired: 0 };
    const outcome = (error, taskLog = []) => ({
        host: manager.target.label,
        service: item.name,
        status: !item.before && !['created', 'updated', 'unchanged'].includes(status) ? 'failed' : status,
        durationMs: clock.now() - started,
        ...(error ? { error } : {}),
        previousImage: item.before?.image ?? '',
        deployedImage: ['created', 'updated', 'unchanged'].includes(status) ? (final?.image ?? '') : '',
        replicas: `${counts.running}/${counts.desired}`,
        tasks: taskRows(final),
        taskLog,
    });
    if (status === 'created' || status === 'updated' || status === 'unchanged') {
        manager.show([
            `${item.name}: ${status}, ${counts.running} tasks on ${final?.image ?? ''} (${(0, duration_1.formatDuration)(clock.now() - started)}).`,
        ]);
        return outcome();
    }
    // Something went wrong: say which task, where, and what it printed. After a rollback the
    // spec's image is the old one again: the culprits ran any other.
    const culprit = final && !timedOut
        ? (0, swarm_status_1.failedTasks)(final, status === 'rolled-back' ? { except: final.image } : final.image)[0]
        : undefined;
    let taskLog = [];
    if (culprit) {
        const logs = await manager
            .docker(['service', 'logs', '--no-task-ids', '--tail', String(LOG_LINES), culprit.id], nonce, { merge: true })
            .catch(() => undefined);
        taskLog = (logs?.stdout ?? '')
            .split('\n')
            .filter((line) => line.trim() !== '' && !line.startsWith(`${nonce} `));
    }
    const where = culprit ? (0, swarm_status_1.describeTask)(culprit) : (phase.reason ?? 'see the log above');
    const tried = image ?? 'the update';
    let error;
    if (!item.before) {
        // Nothing ran before: a service that never worked is removed, not left retrying.
        await manager.docker(['service', 'rm', item.name], nonce).catch(() => undefined);
        error = `${item.name} could not be created: ${where}${timedOut ? `; not running after command-timeout (${(0, duration_1.formatDuration)(timeoutMs)})` : ''}. The service was removed.`;
    }
    else if (status === 'rolled-back') {
        const what = timedOut
            ? `the update to ${tried} did not finish within command-timeout (${(0, duration_1.formatDuration)(timeoutMs)})`
            : `${tried} failed (${where})`;
        error = `${item.name}: ${what}; rolled back: every task runs ${final?.image ?? item.before.image} again.`;
    }
    else if (status === 'paused') {
        error = `${item.name}: the update failed (${where}) and is paused, as rollback is false: docker service rollback ${item.name} returns to ${item.before.image}, docker service update ${item.name} goes on.`;
    }
    else {
        error = `${item.name}: the update failed (${phase.reason ?? where}); check it with docker service ps ${item.name}.`;
    }
    manager.show([error]);
    return outcome(error, taskLog);
}
const newFollowed = (name, before) => ({
    name,
    before,
    shown: '',
    failures: 0,
    fullLookAt: 0,
});
/** Creates or updates the service and follows Swarm until it is done. */
async function deployService(targets, mode, timeoutMs, connector, log, clock, say) {
    const started = clock.now();
    const nonce = (0, deploy_program_1.newNonce)();
    const { spec } = mode;
    log.begin(`${spec.service}: deploy ${spec.image ?? 'the current image'} on Swarm`);
    const manager = await reachManager(targets, connector, log);
    const before = await checkManager(manager, spec.service, nonce);
    if (!before && spec.image === undefined) {
        throw new errors_1.ActionFailure(`${manager.target.label}: there is no service ${spec.service} to update. Give image to create it, or check the name (docker service ls).`);
    }
    const choice = (0, swarm_spec_1.chooseUpdateOrder)(spec, spec.ports.length > 0
        ? spec.ports.filter((port) => port.mode === 'host').map((port) => port.published)
        : (before?.hostModePorts ?? []));
    if (choice.notice)
        say.notice(choice.notice);
    const args = before
        ? (0, swarm_spec_1.updateArguments)(spec, choice.order, before)
        : (0, swarm_spec_1.createArguments)(spec, choice.order, spec.image ?? '');
    log.info(`${before ? 'Updating' : 'Creating'} ${spec.service} (${choice.order}, monitor ${(0, duration_1.formatDuration)(spec.monitorMs)} per task).`);
    const item = newFollowed(spec.service, before);
    const healthImage = spec.image ?? before?.image;
    const applied = await manager.docker(args, nonce, {
        registry: mode.registry,
        health: spec.healthCmd !== undefined && healthImage
            ? {
                image: healthImage,
                flags: (0, swarm_spec_1.healthFlags)(spec),
                reset: (0, swarm_spec_1.healthResetFlags)(before?.healthTest ?? []),
            }
            : undefined,
    });
    if (applied.imageHealthcheck) {
        say.notice(`${spec.service}: health-cmd is not used: ${healthImage ?? ''} has a HEALTHCHECK of its own, which Swarm runs instead.`);
    }
    if (applied.result.code !== 0) {
        const why = applied.reason ??
            `docker service ${before ? 'update' : 'create'} failed (exit code ${applied.result.code ?? 'none'}); see the log above`;
        log.end(`${spec.service}: failed`);
        const counts = before ? (0, swarm_status_1.countConverged)(before) : { running: 0, desired: 0 };
        return {
            host: manager.target.label,
            service: spec.service,
            status: 'failed',
            durationMs: clock.now() - started,
            error: `${spec.service}: nothing was changed: ${why}.`,
            previousImage: before?.image ?? '',
            deployedImage: '',
            replicas: `${counts.running}/${counts.desired}`,
            tasks: taskRows(before),
            taskLog: [],
        };
    }
    const timedOut = await followToTheEnd(manager, [item], nonce, started + timeoutMs, clock, spec.rollback, timeoutMs, say);
    const outcome = await outcomeOf(manager, item, spec.image, timedOut.has(item.name), timeoutMs, nonce, started, clock);
    log.end(`${spec.service}: ${outcome.status} (${(0, duration_1.formatDuration)(outcome.durationMs)})`);
    return outcome;
}
/**
 * Deploys a stack from its compose file, sent to a private folder on the manager, and
 * follows every service of the file until Swarm is done with each.
 */
async function deployStack(targets, mode, plan, timeoutMs, connector, log, clock, say) {
    const started = clock.now();
    const nonce = (0, deploy_program_1.newNonce)();
    log.begin(`${mode.stack}: deploy ${mode.composeFile.given} on Swarm`);
    const manager = await reachManager(targets, connector, log);
    const names = plan.services.map((name) => `${mode.stack}_${name}`);
    const items = [];
    for (const [index, name] of names.entries()) {
        const before = index === 0
            ? await checkManager(manager, name, nonce)
            : (await manager.look(name, nonce)).snapshot;
        items.push(newFollowed(name, before));
    }
    if (plan.rewritten.length > 0) {
        log.info(`${plan.rewritten.join(', ')}: image set to ${mode.image ?? ''}.`);
    }
    const args = [
        'stack',
        'deploy',
        '--with-registry-auth',
        '--compose-file',
        COMPOSE_FILE_ARGUMENT,
        ...(mode.prune ? ['--prune'] : []),
        mode.stack,
    ];
    const applied = await manager.docker(args, nonce, { registry: mode.registry, file: plan.text });
    if (applied.result.code !== 0) {
        const why = applied.reason ??
            `docker stack deploy failed (exit code ${applied.result.code ?? 'none'}); see the log above`;
        log.end(`${mode.stack}: failed`);
        throw new errors_1.ActionFailure(`${mode.stack}: ${why}.`);
    }
    const timedOut = await followToTheEnd(manager, items, nonce, started + timeoutMs, clock, true, timeoutMs, say);
    const outcomes = [];
    for (const item of items) {
        const rewritten = plan.rewritten.some((name) => `${mode.stack}_${name}` === item.name);
        outcomes.push(await outcomeOf(manager, item, rewritten ? mode.image : undefined, timedOut.has(item.name), timeoutMs, nonce, started, clock));
    }
    const bad = outcomes.filter((outcome) => !['created', 'updated', 'unchanged'].includes(outcome.status));
    log.end(`${mode.stack}: ${bad.length === 0 ? 'deployed' : `${bad.length} of ${outcomes.length} services failed`} (${(0, duration_1.formatDuration)(clock.now() - started)})`);
    return outcomes;
}


/***/ })

};
;