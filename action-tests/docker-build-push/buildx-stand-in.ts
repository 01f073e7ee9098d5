// A stand-in for the buildx CLI plugin, which cannot be installed here. The docker CLI finds
// it as a real plugin (DOCKER_CONFIG/cli-plugins/docker-buildx), so the action's buildx path
// runs unchanged: the stand-in records the argv it was given, then does what buildx would
// with the docker driver, by the classic BuildKit build and `docker push`, and writes the
// metadata file buildx writes, with the digest the registry answered.
import { chmodSync, mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SCRIPT = String.raw`
const { spawnSync } = require('node:child_process');
const { appendFileSync, writeFileSync } = require('node:fs');
const LOG = process.env.BUILDX_STAND_IN_LOG || __LOG__;
const DOCKER = __DOCKER__;
const args = process.argv.slice(2);

if (args[0] === 'docker-cli-plugin-metadata') {
  process.stdout.write(JSON.stringify({
    SchemaVersion: '0.1.0', Vendor: 'action-tests', Version: 'v0.0.0-stand-in',
    ShortDescription: 'buildx stand-in for tests',
  }));
  process.exit(0);
}
// The CLI passes the plugin's name first: docker-buildx buildx <command> ...
const [, command, ...rest] = args;
appendFileSync(LOG, JSON.stringify([command, ...rest]) + '\n');
if (command === 'version') {
  process.stdout.write('github.com/docker/buildx v0.0.0-stand-in\n');
  process.exit(0);
}
if (command === 'inspect') {
  // BUILDX_STAND_IN_DRIVER plays a builder set up by the workflow (docker-container).
  const driver = process.env.BUILDX_STAND_IN_DRIVER || 'docker';
  process.stdout.write('Name:          default\nDriver:        ' + driver + '\n');
  process.exit(0);
}
if (command === 'create') {
  // BUILDX_STAND_IN_CREATE_FAILS plays a daemon that cannot make the builder.
  if (process.env.BUILDX_STAND_IN_CREATE_FAILS) {
    process.stderr.write('ERROR: failed to create builder: stand-in refuses\n');
    process.exit(1);
  }
  // Recorded where buildx records its builders: DOCKER_CONFIG/buildx/instances/<name>.
  const name = rest[rest.indexOf('--name') + 1];
  const instances = require('node:path').join(process.env.DOCKER_CONFIG, 'buildx', 'instances');
  require('node:fs').mkdirSync(instances, { recursive: true });
  writeFileSync(require('node:path').join(instances, name), JSON.stringify({ Name: name, Driver: 'docker-container' }));
  process.stdout.write(name + '\n');
  process.exit(0);
}
if (command === 'rm') {
  const instance = require('node:path').join(process.env.DOCKER_CONFIG, 'buildx', 'instances', rest[0]);
  if (!require('node:fs').existsSync(instance)) {
    process.stderr.write('ERROR: no builder "' + rest[0] + '" found\n');
    process.exit(1);
  }
  require('node:fs').rmSync(instance);
  process.exit(0);
}
if (command !== 'build') {
  process.stderr.write('buildx stand-in: only version, inspect, create, rm and build\n');
  process.exit(1);
}

const VALUED = ['--builder', '--tag', '--file', '--build-arg', '--label', '--target', '--platform',
  '--cache-from', '--cache-to', '--secret', '--iidfile', '--metadata-file',
  '--provenance', '--sbom', '--annotation'];
const flags = {};
let context;
for (let i = 0; i < rest.length; i++) {
  const arg = rest[i];
  if (arg === '--') { context = rest[i + 1]; break; }
  if (VALUED.includes(arg)) (flags[arg] ??= []).push(rest[++i]);
  else flags[arg] = true;
}
const platforms = (flags['--platform'] ?? []).join(',').split(',').filter(Boolean);
if (platforms.length > 1) {
  process.stderr.write('buildx stand-in: one platform only\n');
  process.exit(1);
}
const build = ['build'];
for (const flag of ['--tag', '--file', '--build-arg', '--label', '--target', '--secret', '--iidfile']) {
  for (const value of flags[flag] ?? []) build.push(flag, value);
}
if (flags['--pull']) build.push('--pull');
if (flags['--no-cache']) build.push('--no-cache');
build.push('--', context);
const env = { ...process.env, DOCKER_BUILDKIT: '1' };
const built = spawnSync(DOCKER, build, { stdio: 'inherit', env });
if (built.status !== 0) process.exit(built.status ?? 1);

let digest;
if (flags['--push']) {
  for (const tag of flags['--tag'] ?? []) {
    const pushed = spawnSync(DOCKER, ['push', tag], { encoding: 'utf8', env });
    process.stdout.write(pushed.stdout);
    process.stderr.write(pushed.stderr);
    // buildx reports a failed push in its own words, with the registry's status.
    if (pushed.status !== 0) {
      process.stderr.write('ERROR: failed to push ' + tag + ': ' + pushed.stderr.trim().split('\n').pop() + '\n');
      process.exit(1);
    }
    digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
  }
}
const metadataFile = flags['--metadata-file']?.[0];
if (metadataFile) {
  const metadata = { 'image.name': (flags['--tag'] ?? []).join(',') };
  // BUILDX_STAND_IN_NO_DIGEST plays a builder whose metadata lacks the digest.
  if (digest && !process.env.BUILDX_STAND_IN_NO_DIGEST) metadata['containerimage.digest'] = digest;
  writeFileSync(metadataFile, JSON.stringify(metadata, null, 2));
}
`;

export interface BuildxStandIn {
  /** Every call's argv after `docker buildx`, in order. */
  calls(): string[][];
}

/**
 * The stand-in as an executable file's text, run by this node, recording into `log` (or into
 * BUILDX_STAND_IN_LOG when the step's environment sets it); `docker` does the real work.
 */
export function buildxStandInProgram(log: string, docker: string): string {
  const script = SCRIPT.replace('__LOG__', JSON.stringify(log)).replace(
    '__DOCKER__',
    JSON.stringify(docker),
  );
  return `#!${process.execPath}\n${script}`;
}

/** The calls recorded in a stand-in's log, each its argv after `docker buildx`. */
export function recordedCalls(log: string): string[][] {
  return existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as string[])
    : [];
}

/**
 * Writes the stand-in as `docker-buildx` into `configDir/cli-plugins`, run by this node; it
 * uses `docker` (a CLI with built-in BuildKit) for the real work.
 */
export function installBuildxStandIn(configDir: string, docker: string): BuildxStandIn {
  const plugins = path.join(configDir, 'cli-plugins');
  mkdirSync(plugins, { recursive: true });
  const log = path.join(configDir, 'buildx-stand-in.log');
  writeFileSync(log, '');
  const file = path.join(plugins, 'docker-buildx');
  writeFileSync(file, buildxStandInProgram(log, docker));
  chmodSync(file, 0o755);
  return { calls: () => recordedCalls(log) };
}
