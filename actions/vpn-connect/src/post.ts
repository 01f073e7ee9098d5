import type { Logger } from '../../shared/logger';
import * as runner from '../../shared/runner';
import { runPostStep } from '../../shared/step';
import { loadRecord } from './state';
import { currentPrivilege } from './system';
import { teardown } from './teardown';

const log: Logger = { info: runner.info, warning: runner.warning, debug: runner.debug };

/** Takes down whatever main left; checks everything, assumes nothing, never fails the job. */
async function post(): Promise<void> {
  const record = loadRecord();
  if (!record) {
    runner.info('The main step started nothing: nothing to clean up.');
    return;
  }
  if (record.closed) runner.info('The main step already took the tunnel down; checking.');
  const clean = await teardown(record, currentPrivilege(), log);
  if (clean) runner.info('Disconnected: no process, interface or file of this action is left.');
}

runPostStep(post);
