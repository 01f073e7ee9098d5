import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionContext } from '../../shared/context';
import { ActionFailure, ConfigurationError } from '../../shared/errors';
import type { Summary } from '../../shared/runner';
import { runMainStep } from '../../shared/step';
import { tableRows } from '../../shared/summary';
import { checkBuildSources } from './build-options';
import { buildxTarget, fetchBuildx, installBuildx, resolveBuildxVersion } from './buildx-install';
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
  type BuilderChoice,
} from './builder';
import {
  CommandFailure,
  DockerCli,
  errorOutput,
  isAuthenticationFailure,
  lastLines,
  parseClientVersion,
  pushedDigest,
  withRegistryRetry,
} from './docker-cli';
import {
  buildxPluginCandidates,
  createPrivateConfig,
  hasUserCredentials,
  readUserConfig,
  userConfigDir,
} from './docker-config';
import { loginServerOf, registryLabel } from './image-name';
import { getInputs, type Inputs } from './inputs';
import { PrefixedOutput } from './prefixed-output';
import type { RegistryLogin } from './registry-auth';
import {
  mergeLabels,
  ociLabels,
  outputs,
  summaryRows,
  type BuildReport,
  type ImageReport,
} from './report';
import { savePostState, TEMPORARY_BUILDER_PREFIX } from './state';
import { computeTags, parseSemver, tagContextFromEvent } from './tags';

export async function run(): Promise<void> {
  await runMainStep(main);
}

export async function main(ctx: ActionContext): Promise<void> {
  const { runner, log, clock, env } = ctx;
  const inputs = getInputs(runner);
  const now = new Date(clock.now());
  const { images, build } = inputs;
  const image = images[0];

  // Everything that can be refused is checked before the first change: the login.
  const tagContext = tagContextFromEvent(env, ctx.event, now);
  const computed = computeTags(inputs.tagTemplates, tagContext);
  for (const each of images.filter((name) => name.lowerCased)) {
    log.notice(
      `Image '${each.written}' lower-cased to ${each.fullName}: registries refuse upper-case repository names.`,
    );
  }
  for (const skip of computed.skipped) {
    log.notice(`Tag template '${skip.template}' skipped: ${skip.reason}.`);
  }
  for (const change of computed.sanitised) {
    log.notice(`Tag '${change.from}' (from '${change.template}') written as '${change.to}'.`);
  }
  if (build.push && computed.tags.length === 0) {
    throw new ConfigurationError(
      'tags',
      `leaves no tag to push in this ${tagContext.eventName} event. Add a template that has a value in every event, e.g. sha-{{short_sha}}.`,
    );
  }
  const imageReports: ImageReport[] = images.map((each) => ({
    name: each.fullName,
    key: each.written.toLowerCase(),
    references: computed.tags.map((tag) => `${each.fullName}:${tag}`),
  }));
  const references = imageReports.flatMap((each) => each.references);
  checkBuildSources(build, existsSync, env);

  let docker = new DockerCli(ctx.exec, env);
  // buildx-version: the step brings its own buildx, so whether there is one is known.
  const bringsBuildx = inputs.buildxVersion !== undefined && inputs.builder !== 'docker';
  const probing = probeClient(docker, inputs.builder, env, bringsBuildx);
  // The logins run alongside the probe when nothing it finds can refuse the build (no side
  // effect before a configuration error) and the private config needs no buildx of the step's
  // own or temporary builder; otherwise they wait for it.
  const early =
    inputs.logins.length > 0 &&
    !bringsBuildx &&
    !containerDriverNeed(build) &&
    suitsAnyBuilder(inputs.builder, build)
      ? logInAll(ctx, docker, inputs)
      : undefined;
  // Its failure is told after the probe's and the configuration's, which come first.
  early?.catch(() => undefined);
  let builder: Builder;
  try {
    builder = chooseBuilder(inputs.builder, await probing);
    checkBuilderSupports(builder, build);
  } catch (error) {
    await early?.catch(() => undefined);
    throw error;
  }
  const plugin = bringsBuildx ? await obtainBuildx(ctx, inputs) : undefined;
  if (inputs.builder === 'auto' && builder.kind === 'buildx') {
    builder = (await builderFor(ctx, docker, build, bringsBuildx)) ?? builder;
  }
  if (inputs.buildkitImage && !builder.instance) {
    log.debug(`buildkit-image is not used: this build needs no temporary builder.`);
  }
  const semver = parseSemver(tagContext.gitTag);
  const labels = mergeLabels(
    ociLabels(
      {
        serverUrl: env.GITHUB_SERVER_URL,
        repository: env.GITHUB_REPOSITORY,
        sha: env.GITHUB_SHA,
        version: semver?.version ?? computed.tags[0],
      },
      now,
    ),
    build.labels,
  );

  const report: BuildReport = {
    image: image.fullName,
    images: imageReports,
    references,
    builder: builder.description,
    pushed: false,
    platforms: build.platforms,
    labels,
  };
  const workDir = await mkdtemp(join(env.RUNNER_TEMP || tmpdir(), 'docker-build-push-'));
  try {
    docker = await (early ?? logInAll(ctx, docker, inputs, { builder: builder.instance, plugin }));
    if (builder.instance) {
      await createTemporaryBuilder(docker, builder.instance, inputs.buildkitImage);
    }
    const files = { iidFile: join(workDir, 'iid'), metadataFile: join(workDir, 'metadata.json') };
    const args = buildArguments(
      builder,
      build,
      references,
      Object.entries(labels).map(([key, value]) => `${key}=${value}`),
      files,
    );

    const buildStarted = clock.now();
    await log.group(
      `Building ${images.map((each) => each.fullName).join(', ')} with ${builder.description}`,
      () => runBuild(docker, builder, args, inputs, ctx),
    );
    report.buildMs = clock.now() - buildStarted;
    report.imageId = (await readFile(files.iidFile, 'utf8').catch(() => '')).trim() || undefined;
    // The local image's size (buildx with push leaves no local image), asked while the pushes
    // run rather than after them, once they have started: the pushes are what the step waits on.
    const imageId = report.imageId;
    const askSize = () =>
      imageId && !(build.push && builder.kind === 'buildx')
        ? localImageSize(docker, imageId).catch(() => undefined)
        : undefined;
    let sizing: Promise<number | undefined> | undefined;

    if (build.push && builder.kind === 'buildx') {
      // buildx pushed while building: its metadata file holds the digest the registry took.
      // One --push sends the same manifest to every registry.
      report.pushed = true;
      const digest = await readBuildxDigest(files.metadataFile);
      for (const each of imageReports) each.digest = digest;
    } else if (build.push) {
      const pushStarted = clock.now();
      report.pushed = true;
      const pushing = pushAll(docker, imageReports, inputs, ctx);
      sizing = askSize();
      await pushing;
      report.pushMs = clock.now() - pushStarted;
    } else {
      sizing = askSize();
    }
    report.digest = imageReports[0].digest;
    const undetermined = imageReports.find((each) => !each.digest);
    if (report.pushed && undetermined) {
      throw new ActionFailure(
        `${undetermined.name} was pushed, but no digest could be established from ${builder.kind === 'buildx' ? "buildx's metadata file" : "the registry's answers"}; image-ref would not name the pushed image.`,
      );
    }
    report.sizeBytes = await sizing;
    log.info(
      report.digest
        ? `Pushed ${imageRefsText(imageReports)} as ${computed.tags.join(', ')}.`
        : `Built ${report.imageId ?? image.fullName}${references.length > 0 ? ` as ${computed.tags.join(', ')}` : ''} (not pushed).`,
    );
  } finally {
    await rm(workDir, { recursive: true, force: true });
    for (const [name, value] of Object.entries(outputs(report))) runner.setOutput(name, value);
    if (env.GITHUB_STEP_SUMMARY) await writeSummary(ctx.summary, report);
  }
}

/**
 * What the runner's docker CLI can do, in as few process starts as the answer needs (each is
 * tens of milliseconds): one in the usual cases. A buildx that runs says the CLI runs too, and
 * the client's version only matters to the classic builder. Where no buildx plugin file
 * exists, `docker buildx version` would only fail: it is not asked, unless the workflow says
 * buildx is there (builder: buildx) or the CLI needs buildx for BuildKit (23.0 on), where the
 * plugin may sit in a folder of its own.
 */
async function probeClient(
  docker: DockerCli,
  choice: BuilderChoice,
  env: NodeJS.ProcessEnv,
  bringsBuildx: boolean,
) {
  const buildkitEnv = env.DOCKER_BUILDKIT;
  const askBuildx = async () => (await docker.exec(['buildx', 'version'])).code === 0;
  let pluginFound = false;
  if (choice !== 'docker' && !bringsBuildx) {
    const userDir = userConfigDir(env);
    const candidates = buildxPluginCandidates(userDir, await readUserConfig(userDir));
    pluginFound = candidates.some((file) => existsSync(file));
    if (pluginFound && (await askBuildx())) return { buildx: true, buildkitEnv };
  }
  const version = await docker.exec(['--version']);
  if (version.code !== 0) {
    throw new ActionFailure(
      `The docker CLI does not run on this runner: ${lastLines(errorOutput(version))}. Install Docker, or run on a runner that has it.`,
    );
  }
  const clientVersion = parseClientVersion(version.stdout);
  const buildx =
    bringsBuildx ||
    (choice !== 'docker' &&
      !pluginFound &&
      (choice === 'buildx' || !clientHasBuiltInBuildKit(clientVersion)) &&
      (await askBuildx()));
  return { clientVersion, buildx, buildkitEnv };
}

/**
 * With builder: auto, the temporary docker-container builder when the build asks for what the
 * current builder's `docker` driver cannot do; undefined when the current builder will do.
 * A builder the workflow set up (docker/setup-buildx-action) is used as it is.
 */
async function builderFor(
  { log }: Pick<ActionContext, 'log'>,
  docker: DockerCli,
  build: Inputs['build'],
  bringsBuildx: boolean,
): Promise<Builder | undefined> {
  const need = containerDriverNeed(build);
  if (!need) return undefined;
  // A buildx the step brings has only its default builder, with the docker driver.
  let driver = 'docker';
  if (!bringsBuildx) {
    const inspected = await docker.exec(['buildx', 'inspect']);
    driver = (inspected.code === 0 && parseBuilderDriver(inspected.stdout)) || '';
  }
  if (driver !== '' && driver !== 'docker') return undefined;
  const name = `${TEMPORARY_BUILDER_PREFIX}${randomBytes(6).toString('hex')}`;
  log.info(
    `${need} needs a buildx builder other than the docker driver${driver ? '' : ' (the current builder could not be inspected)'}: building on a temporary docker-container builder, ${name}, which the post step removes.`,
  );
  return temporaryBuilder(name);
}

/** The verified buildx of `buildx-version`, from the tool cache or downloaded into it. */
async function obtainBuildx(ctx: ActionContext, inputs: Inputs): Promise<string> {
  const arch = buildxTarget(process.platform, process.arch);
  if (!ctx.env.RUNNER_TOOL_CACHE || !ctx.env.RUNNER_TEMP) {
    throw new ActionFailure(
      'buildx-version needs RUNNER_TOOL_CACHE and RUNNER_TEMP, which the runner sets: this must run as a step of a GitHub Actions job.',
    );
  }
  const version = await resolveBuildxVersion(ctx, inputs.buildxVersion!);
  return fetchBuildx(ctx, {
    version,
    baseUrl: inputs.buildxUrl,
    arch,
    runnerTemp: ctx.env.RUNNER_TEMP,
  });
}

async function createTemporaryBuilder(
  docker: DockerCli,
  name: string,
  buildkitImage: string | undefined,
): Promise<void> {
  const result = await docker.exec(createBuilderArguments(name, buildkitImage));
  if (result.code !== 0) {
    throw new ActionFailure(
      `Creating the temporary docker-container builder ${name} failed: ${lastLines(errorOutput(result))}. Set up a builder first (docker/setup-buildx-action), or name a BuildKit image this runner can pull in buildkit-image.`,
    );
  }
}

/**
 * Logs in to every registry of `registry-auth` (and `username`), with the password on stdin,
 * into a docker config folder of the step's own, all before the build: a refused login stops
 * the step before anything is pushed anywhere. The post step removes the folder; with
 * logout: false later steps get it through DOCKER_CONFIG. A temporary builder (`builder`) and
 * a buildx the step brings (`plugin`) need the folder too, logins or not: the builder is
 * recorded there and the plugin installed there, never in the user's config.
 */
async function logInAll(
  ctx: ActionContext,
  docker: DockerCli,
  inputs: Inputs,
  { builder, plugin }: { builder?: string; plugin?: string } = {},
): Promise<DockerCli> {
  const { runner, log, env } = ctx;
  const userDir = userConfigDir(env);
  const pushing = inputs.build.push;
  const loggedIn = new Set(inputs.logins.map((login) => login.registry));
  const without = [...new Set(inputs.images.map((each) => each.registry))].filter(
    (registry) => !loggedIn.has(registry),
  );
  const userConfig = pushing && without.length > 0 ? await readUserConfig(userDir) : {};
  if (pushing) {
    for (const registry of without.filter((each) => !hasUserCredentials(userConfig, each))) {
      log.notice(
        `No login for ${registryLabel(registry)}, and the docker config has no credentials for it: the push goes there anonymously. Add it to registry-auth if the registry wants a login.`,
      );
    }
  }
  const loggingIn = inputs.logins.length > 0;
  if (!loggingIn && !builder && !plugin) return docker;

  const runnerTemp = env.RUNNER_TEMP;
  if (!runnerTemp) {
    throw new ActionFailure(
      'RUNNER_TEMP is not set: this must run as a step of a GitHub Actions job.',
    );
  }
  const config = Object.keys(userConfig).length > 0 ? userConfig : await readUserConfig(userDir);
  const { dir, dropped } = await createPrivateConfig(runnerTemp, userDir, config, without, {
    keepCredentials: !loggingIn,
    ownFolders: [...(builder ? ['buildx'] : []), ...(plugin ? ['cli-plugins'] : [])],
  });
  savePostState(runner, {
    configDir: dir,
    loginRegistries: inputs.logins.map((login) => login.registry),
    logout: inputs.logout,
    builder,
  });
  if (dropped.length > 0) {
    log.debug(`The private docker config leaves out ${dropped.join(', ')} of the user's config.`);
  }
  if (plugin) await installBuildx(plugin, dir);
  const private_ = docker.withEnv({ DOCKER_CONFIG: dir });
  if (!loggingIn) return private_;
  for (const login of inputs.logins) await logIn(ctx, private_, inputs, login);
  log.info(
    `Logged in to ${inputs.logins.map((login) => `${registryLabel(login.registry)} as ${login.username}`).join(', ')} (config in ${dir}).`,
  );
  if (!inputs.logout) runner.exportVariable('DOCKER_CONFIG', dir);
  return private_;
}

async function logIn(
  ctx: ActionContext,
  docker: DockerCli,
  inputs: Inputs,
  login: RegistryLogin,
): Promise<void> {
  const server = loginServerOf(login.registry);
  const where = registryLabel(login.registry);
  const args = ['login', '--username', login.username, '--password-stdin'];
  if (server) args.push(server);
  try {
    await withRegistryRetry(
      `Login to ${where}`,
      inputs.retries,
      () =>
        docker.check(`docker login to ${where}`, args, {
          input: login.password,
          limit: { ms: inputs.pushTimeoutMs, input: 'push-timeout' },
        }),
      ctx,
    );
  } catch (error) {
    if (isAuthenticationFailure(error)) {
      const repositories = inputs.images
        .filter((each) => each.registry === login.registry)
        .map((each) => each.repository);
      throw new ActionFailure(
        `${where} refused the login of '${login.username}': ${lastLines((error as CommandFailure).result.stderr)}. Check ${login.shortForm ? "'username' and 'password'" : `its entry in 'registry-auth'`}${repositories.length > 0 ? ` (a token needs push access to ${repositories.join(', ')})` : ''}. Nothing was pushed.`,
      );
    }
    throw error;
  }
}

async function runBuild(
  docker: DockerCli,
  builder: Builder,
  args: string[],
  inputs: Inputs,
  ctx: Pick<ActionContext, 'clock' | 'log'>,
): Promise<void> {
  const command = () =>
    docker.check(builder.description, args, {
      stream: true,
      env: buildEnvironment(builder),
      limit: { ms: inputs.buildTimeoutMs, input: 'build-timeout' },
    });
  // buildx pushes as it builds, so its push failures are retried by building again (from cache).
  if (builder.kind === 'buildx' && inputs.build.push) {
    await withRegistryRetry('Build and push', inputs.retries, command, ctx);
  } else {
    await command();
  }
}

/**
 * Pushes every tag of every repository and records the digest each registry answered. The
 * repositories are pushed at once, each its tags one after another (after the first, a tag
 * costs the registry a manifest only); their lines come prefixed with the repository. Tags of
 * one repository share one manifest, so its registry must answer one digest; registries may
 * differ (one rewriting manifests) and are reported each. A failure waits for the other pushes,
 * so that what it says was already pushed is all there is.
 */
async function pushAll(
  docker: DockerCli,
  images: ImageReport[],
  inputs: Pick<Inputs, 'retries' | 'pushTimeoutMs' | 'images'>,
  ctx: Pick<ActionContext, 'clock' | 'log'>,
): Promise<void> {
  const done: string[] = [];
  /** Per repository, the reference being pushed: none once its pushes are done. */
  const pushing: (string | undefined)[] = [];
  const several = images.length > 1;
  if (several) {
    ctx.log.info(
      `Pushing to ${images.map((image) => image.name).join(', ')} at once; each line starts with its repository.`,
    );
  }
  const results = await Promise.allSettled(
    images.map(async (image, index) => {
      const output = several
        ? new PrefixedOutput(image.name, (line) => ctx.log.info(line))
        : undefined;
      const digests = new Map<string, string | undefined>();
      for (const reference of image.references) {
        const push = () =>
          withRegistryRetry(
            `Push of ${reference}`,
            inputs.retries,
            () =>
              docker.check(`docker push ${reference}`, ['push', reference], {
                stream: !output,
                onOutput: output && ((chunk, from) => output.add(chunk, from)),
                limit: { ms: inputs.pushTimeoutMs, input: 'push-timeout' },
              }),
            ctx,
          ).finally(() => output?.end());
        pushing[index] = reference;
        const result = output ? await push() : await ctx.log.group(`Pushing ${reference}`, push);
        digests.set(reference, pushedDigest(result.stdout));
        done.push(reference);
      }
      pushing[index] = undefined;
      const distinct = new Set(digests.values());
      if (distinct.size > 1) {
        const list = [...digests].map(([reference, digest]) => `${reference} -> ${digest ?? '?'}`);
        throw new ActionFailure(
          `${registryLabel(inputs.images[index].registry)} answered different digests for tags of one image: ${list.join('; ')}. Another push may have raced this one.`,
        );
      }
      image.digest = [...distinct][0];
    }),
  );
  const failures = results.flatMap((result, index) =>
    result.status === 'rejected'
      ? [pushFailure(result.reason, inputs.images[index], pushing[index], done)]
      : [],
  );
  // Every failure is told; the step fails with the first.
  for (const failure of failures.slice(1)) ctx.log.error(failure.message);
  if (failures.length > 0) throw failures[0];
}

/**
 * What a failed push of one repository tells the user, with what was pushed where; an error
 * after its pushes (`reference` undefined: tags answered different digests) as it is.
 */
function pushFailure(
  error: unknown,
  image: Inputs['images'][number],
  reference: string | undefined,
  done: string[],
): Error {
  if (reference !== undefined) {
    const where = registryLabel(image.registry);
    const already = `Already pushed: ${done.length > 0 ? done.join(', ') : 'nothing'}.`;
    if (isAuthenticationFailure(error)) {
      return new ActionFailure(
        `${where} refused the push of ${reference}: ${lastLines((error as CommandFailure).result.stderr)}. Log in with an account that may push there (registry-auth, or 'username' and 'password'). ${already}`,
      );
    }
    if (error instanceof ActionFailure) {
      return new ActionFailure(`${error.message}. The push to ${where} failed. ${already}`);
    }
  }
  return error instanceof Error ? error : new Error(String(error));
}

function imageRefsText(images: ImageReport[]): string {
  return images.map((each) => `${each.name}@${each.digest ?? '?'}`).join(', ');
}

async function readBuildxDigest(metadataFile: string): Promise<string | undefined> {
  try {
    const metadata = JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, unknown>;
    const digest = metadata['containerimage.digest'];
    return typeof digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : undefined;
  } catch {
    return undefined;
  }
}

async function localImageSize(docker: DockerCli, imageId: string): Promise<number | undefined> {
  const result = await docker.exec(['image', 'inspect', '--format', '{{.Size}}', imageId]);
  const size = Number(result.stdout.trim());
  return result.code === 0 && Number.isFinite(size) ? size : undefined;
}

async function writeSummary(summary: Summary, report: BuildReport): Promise<void> {
  // The rows are markup already: validated names, tags and digests, the tags joined by <br>.
  const rows = summaryRows(report).map((row) => row.map((html) => ({ html })));
  await summary.addHeading('Docker image', 3).addTable(tableRows(rows)).write();
}
