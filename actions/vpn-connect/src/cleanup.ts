import type { ActionContext } from '../../shared/context';
import { runPostStep } from '../../shared/step';
import { loadRecord } from './state';
import { currentPrivilege } from './system';
import { teardown } from './teardown';

export async function run(): Promise<void> {
  await runPostStep(cleanup);
}

/** Takes down whatever main left; checks everything, assumes nothing, never fails the job. */
export async function cleanup(ctx: ActionContext): Promise<void> {
  const { log } = ctx;
  const record = loadRecord(ctx.runner);
  if (!record) {
    log.info('The main step started nothing: nothing to clean up.');
    return;
  }
  if (record.closed) log.info('The main step already took the tunnel down; checking.');
  const clean = await teardown(ctx, record, currentPrivilege());
  if (clean) log.info('Disconnected: no process, interface or file of this action is left.');
}
