// A stand-in for Render's deploy hook and REST API (v1), following their documented
// contract: the hook answers 200 with {"deploy":{"id":...}}; the API authenticates with a
// Bearer key, serves service and deploy objects, and lists deploys as [{deploy, cursor}],
// newest first, filtered by createdAfter. A deploy's status advances one step per look. Ids in
// paths are read percent-decoded, as Render reads them. Options let its answers carry hostile
// text (ids, names, statuses, messages) where Render's carry text it was given.
import type { ServerResponse } from 'node:http';
import { sendJson, startRecordingServer, type RecordedRequest } from './http-server';

export interface ScriptedFailure {
  status: number;
  retryAfter?: string;
  body?: unknown;
}

export interface RenderStandInOptions {
  serviceId?: string;
  serviceName?: string;
  hookKey?: string;
  apiKey?: string;
  /** The image the service runs: imgURL must name it (tag or digest aside). */
  imageRepository?: string;
  /** The statuses a new deploy shows, one per look; the last one stays. */
  statuses?: string[];
  /** Answers to the first hook calls, before it starts deploying. */
  hookFailures?: ScriptedFailure[];
  /** How many of the first hook calls get their connection closed with no answer. */
  hookDrops?: number;
  /** Answers to the first looks at a deploy, before the real ones. */
  deployFailures?: ScriptedFailure[];
  /** Answers to the first looks at the service, before the real ones. */
  serviceFailures?: ScriptedFailure[];
  /** The hook answers without a deploy id. */
  omitDeployId?: boolean;
  /** How many times the deploy list comes back empty before it shows new deploys. */
  emptyLists?: number;
  /** The ids of the first deploys, in order, instead of dep-standin0001...; any text. */
  deployIds?: string[];
  /** The service's dashboardUrl in its answer, instead of its page on dashboard.render.com. */
  serviceDashboardUrl?: string;
  /** The message of the commit each deploy carries (Render's `commit.message`). */
  commitMessage?: string;
  /** The address to listen on (default 127.0.0.1): another address of this machine. */
  host?: string;
}

export interface StandInDeploy {
  id: string;
  createdAt: string;
  imageRef?: string;
  looks: number;
}

export interface RenderStandIn {
  /** The hook URL a user would paste, pointing at the stand-in. */
  hookUrl: string;
  apiUrl: string;
  serviceId: string;
  hookKey: string;
  apiKey: string;
  requests: RecordedRequest[];
  hookCalls(): RecordedRequest[];
  deploys: StandInDeploy[];
  close(): Promise<void>;
}

export async function startRenderStandIn(
  options: RenderStandInOptions = {},
): Promise<RenderStandIn> {
  const serviceId = options.serviceId ?? 'srv-d0standin0000000000';
  const hookKey = options.hookKey ?? 'hk_T0pSecretHookKey_9f8e7d';
  const apiKey = options.apiKey ?? 'rnd_ApiKeyStandIn_4b3c2a1d0e';
  const statuses = options.statuses ?? [
    'created',
    'build_in_progress',
    'update_in_progress',
    'live',
  ];
  const hookFailures = [...(options.hookFailures ?? [])];
  const deployFailures = [...(options.deployFailures ?? [])];
  const serviceFailures = [...(options.serviceFailures ?? [])];
  let hookDrops = options.hookDrops ?? 0;
  let emptyLists = options.emptyLists ?? 0;
  const deployIds = [...(options.deployIds ?? [])];
  const deploys: StandInDeploy[] = [];
  let next = 1;

  const fail = (response: ServerResponse, failure: ScriptedFailure) =>
    sendJson(
      response,
      failure.status,
      failure.body ?? { id: 'error', message: `scripted ${failure.status}` },
      failure.retryAfter === undefined ? {} : { 'Retry-After': failure.retryAfter },
    );

  const deployObject = (deploy: StandInDeploy) => ({
    id: deploy.id,
    status: statuses[Math.min(deploy.looks, statuses.length - 1)],
    trigger: 'deploy_hook',
    ...(options.commitMessage === undefined
      ? {}
      : {
          commit: {
            id: 'c0ffee'.padEnd(40, '0'),
            message: options.commitMessage,
            createdAt: deploy.createdAt,
          },
        }),
    createdAt: deploy.createdAt,
    updatedAt: new Date().toISOString(),
    ...(deploy.imageRef ? { image: { ref: deploy.imageRef, sha: 'sha256:'.padEnd(71, '0') } } : {}),
  });

  const server = await startRecordingServer((request, response) => {
    const hook = /^\/deploy\/([^/]+)$/.exec(request.path);
    if (hook) {
      if (request.method !== 'GET' && request.method !== 'POST')
        return sendJson(response, 405, { message: 'method not allowed' });
      if (hookDrops > 0) {
        hookDrops--;
        response.socket?.destroy();
        return;
      }
      const failure = hookFailures.shift();
      if (failure) return fail(response, failure);
      if (hook[1] !== serviceId)
        return sendJson(response, 404, { id: 'not-found', message: 'service not found' });
      if (request.query.get('key') !== hookKey)
        return sendJson(response, 401, { id: 'unauthorized', message: 'Unauthorized' });
      const imageRef = request.query.get('imgURL') ?? undefined;
      if (
        imageRef !== undefined &&
        options.imageRepository &&
        imageRef.replace(/[:@][^/]*$/, '') !== options.imageRepository
      ) {
        return sendJson(response, 400, {
          id: 'invalid',
          message: 'image does not match the service',
        });
      }
      const deploy: StandInDeploy = {
        id: deployIds.shift() ?? `dep-standin${String(next++).padStart(4, '0')}`,
        createdAt: new Date().toISOString(),
        imageRef,
        looks: 0,
      };
      deploys.push(deploy);
      return sendJson(response, 200, options.omitDeployId ? {} : { deploy: { id: deploy.id } });
    }

    const api = /^\/v1\/services\/([^/]+)(?:\/deploys(?:\/([^/]+))?)?$/.exec(request.path);
    if (!api) return sendJson(response, 404, { id: 'not-found', message: 'no such route' });
    if (request.method !== 'GET') return sendJson(response, 405, { message: 'method not allowed' });
    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      return sendJson(response, 401, { id: 'unauthorized', message: 'unauthorized' });
    }
    const [service, deployId] = [api[1], api[2]].map(decodeSegment);
    if (service !== serviceId)
      return sendJson(response, 404, { id: 'not-found', message: 'service not found' });

    if (request.path.endsWith(`/${serviceId}`)) {
      const serviceFailure = serviceFailures.shift();
      if (serviceFailure) return fail(response, serviceFailure);
      return sendJson(response, 200, {
        id: serviceId,
        name: options.serviceName ?? 'oc-lettings',
        type: 'web_service',
        dashboardUrl:
          options.serviceDashboardUrl ?? `https://dashboard.render.com/web/${serviceId}`,
      });
    }
    if (deployId === undefined) {
      if (emptyLists > 0) {
        emptyLists--;
        return sendJson(response, 200, []);
      }
      const after = Date.parse(request.query.get('createdAfter') ?? '') || 0;
      const limit = Number(request.query.get('limit') ?? 20);
      const listed = deploys
        .filter((deploy) => Date.parse(deploy.createdAt) >= after)
        .reverse()
        .slice(0, limit)
        .map((deploy) => ({ deploy: deployObject(deploy), cursor: deploy.id }));
      return sendJson(response, 200, listed);
    }
    const failure = deployFailures.shift();
    if (failure) return fail(response, failure);
    const deploy = deploys.find((candidate) => candidate.id === deployId);
    if (!deploy) return sendJson(response, 404, { id: 'not-found', message: 'deploy not found' });
    const body = deployObject(deploy);
    deploy.looks++;
    return sendJson(response, 200, body);
  }, options.host);

  return {
    hookUrl: `${server.origin}/deploy/${serviceId}?key=${hookKey}`,
    apiUrl: `${server.origin}/v1`,
    serviceId,
    hookKey,
    apiKey,
    requests: server.requests,
    hookCalls: () => server.requests.filter((request) => request.path.startsWith('/deploy/')),
    deploys,
    close: () => server.close(),
  };
}

/** A path segment as Render reads it: percent-decoded; malformed encoding names nothing. */
function decodeSegment(part: string | undefined): string | undefined {
  if (part === undefined) return undefined;
  try {
    return decodeURIComponent(part);
  } catch {
    return '';
  }
}
