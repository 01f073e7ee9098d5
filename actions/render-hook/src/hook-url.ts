import { ConfigurationError } from '../../shared/errors';
import { parseUrl } from '../../shared/input-values';

export interface DeployHook {
  /** The hook URL as given, with the key; a secret. */
  url: URL;
  serviceId: string;
  key: string;
}

const INPUT = 'deploy-hook-url';
// Any host (a proxy, a test server) and any path prefix, but the path must end in the
// Render hook's own shape: /deploy/<service id>.
const HOOK_PATH = /\/deploy\/((?:srv|crn)-[a-z0-9]+)\/?$/;

/**
 * Reads a deploy hook URL. Its messages never repeat the URL: it holds the key.
 */
export function parseDeployHook(raw: string): DeployHook {
  const url = parseUrl(INPUT, raw);
  const path = HOOK_PATH.exec(url.pathname);
  if (!path) {
    throw new ConfigurationError(
      INPUT,
      "the path must be /deploy/srv-<service id>. Copy the service's Deploy Hook from its Settings page on Render.",
    );
  }
  const key = url.searchParams.get('key') ?? '';
  if (key === '') {
    throw new ConfigurationError(
      INPUT,
      "the 'key' query parameter is missing. Copy the whole Deploy Hook, ?key=... included, from the service's Settings page on Render.",
    );
  }
  return { url, serviceId: path[1], key };
}

/** The URL to call: the hook, with `imgURL` set when an image is to be deployed. */
export function hookCallUrl(hook: DeployHook, imageUrl: string | undefined): string {
  const url = new URL(hook.url);
  if (imageUrl !== undefined) url.searchParams.set('imgURL', imageUrl);
  return url.toString();
}
