import { ConfigurationError } from '../../shared/errors';
import { parseBoolean, parsePositiveDuration, parseUrl } from '../../shared/input-values';
import { parseImageReference } from '../../shared/image-reference';
import { maskSecret } from '../../shared/mask';
import type { Runner } from '../../shared/runner';
import { parseDeployHook, type DeployHook } from './hook-url';

export interface Inputs {
  hook: DeployHook;
  imageUrl?: string;
  wait: boolean;
  apiKey?: string;
  apiUrl: string;
  timeoutMs: number;
  pollIntervalMs: number;
}

/** Reads and checks every input. Secrets are masked before anything can print them. */
export function getInputs(runner: Runner): Inputs {
  const hookText = runner.getInput('deploy-hook-url');
  const apiKey = runner.getInput('api-key');
  const setSecret = (value: string) => runner.setSecret(value);
  maskSecret(hookText, setSecret);
  maskSecret(apiKey, setSecret);

  if (hookText === '') {
    throw new ConfigurationError(
      'deploy-hook-url',
      "is required. Pass the service's Deploy Hook as a secret: deploy-hook-url: ${{ secrets.RENDER_DEPLOY_HOOK }}",
    );
  }
  const hook = parseDeployHook(hookText);
  maskSecret(hook.key, setSecret);

  const imageUrl = runner.getInput('image-url') || undefined;
  if (imageUrl !== undefined) {
    if (!parseImageReference(imageUrl)) {
      throw new ConfigurationError(
        'image-url',
        `'${imageUrl}' is not an image reference. Write registry/name:tag or registry/name@sha256:<digest>, e.g. docker.io/user/app:0.1.42.`,
      );
    }
    if (hook.url.searchParams.has('imgURL')) {
      throw new ConfigurationError(
        'image-url',
        "'deploy-hook-url' already carries an imgURL parameter: give the image in one place only, preferably 'image-url'.",
      );
    }
  }

  const wait = parseBoolean('wait', runner.getInput('wait'));
  if (wait && apiKey === '') {
    throw new ConfigurationError(
      'api-key',
      "is required when wait is true, to follow the deploy through Render's API. Create a key under Account Settings > API Keys on Render and pass it as a secret: api-key: ${{ secrets.RENDER_API_KEY }}",
    );
  }

  return {
    hook,
    imageUrl,
    wait,
    apiKey: apiKey || undefined,
    apiUrl: parseUrl('api-url', runner.getInput('api-url')).toString().replace(/\/+$/, ''),
    timeoutMs: parsePositiveDuration('timeout', runner.getInput('timeout')),
    pollIntervalMs: parsePositiveDuration('poll-interval', runner.getInput('poll-interval')),
  };
}
