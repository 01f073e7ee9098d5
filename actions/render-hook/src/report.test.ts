import { statusOutcome, isFinished } from './deploy-status';
import { dashboardUrl, summaryRows } from './report';

test.each([
  ['created', 'in-progress'],
  ['queued', 'in-progress'],
  ['build_in_progress', 'in-progress'],
  ['update_in_progress', 'in-progress'],
  ['pre_deploy_in_progress', 'in-progress'],
  ['live', 'live'],
  ['deactivated', 'replaced'],
  ['build_failed', 'failed'],
  ['update_failed', 'failed'],
  ['pre_deploy_failed', 'failed'],
  ['canceled', 'failed'],
  ['something_new', 'unknown'],
  ['constructor', 'unknown'],
  ['__proto__', 'unknown'],
])('status %s is %s', (status, outcome) => {
  expect(statusOutcome(status)).toBe(outcome);
  expect(isFinished(statusOutcome(status))).toBe(['live', 'replaced', 'failed'].includes(outcome));
});

test("the dashboard URL is the service's own when known, else built from the id", () => {
  const service = { id: 'srv-a', dashboardUrl: 'https://dashboard.render.com/worker/srv-a' };
  expect(dashboardUrl('srv-a', service, 'dep-1')).toBe(
    'https://dashboard.render.com/worker/srv-a/deploys/dep-1',
  );
  expect(dashboardUrl('srv-a', undefined, 'dep-1')).toBe(
    'https://dashboard.render.com/web/srv-a/deploys/dep-1',
  );
  expect(dashboardUrl('crn-b', undefined)).toBe('https://dashboard.render.com/cron/crn-b');
});

test('the summary row says what is known', () => {
  expect(
    summaryRows({
      serviceId: 'srv-a',
      serviceName: 'web',
      deployId: 'dep-1',
      status: 'live',
      imageUrl: 'u/a:1',
      elapsedMs: 65_000,
    })[1],
  ).toEqual(['web (srv-a)', 'dep-1', 'u/a:1', 'live', '1m 05s']);
  expect(summaryRows({ serviceId: 'srv-a', status: '' })[1]).toEqual([
    'srv-a',
    '(not named by Render)',
    "(the service's configured image or branch)",
    'not triggered',
    '',
  ]);
});

test('a deploy id from Render goes into the dashboard URL as one encoded path segment', () => {
  expect(dashboardUrl('srv-a', undefined, 'dep-1/../../x?y#z')).toBe(
    'https://dashboard.render.com/web/srv-a/deploys/dep-1%2F..%2F..%2Fx%3Fy%23z',
  );
  expect(dashboardUrl('srv-a', undefined, 'x\r::add-mask::abc')).toBe(
    'https://dashboard.render.com/web/srv-a/deploys/x%0D%3A%3Aadd-mask%3A%3Aabc',
  );
});

test("the service's own dashboard URL is used only when it is an https URL, without query", () => {
  const page = (dashboardUrl: string) => ({ id: 'srv-a', dashboardUrl });
  expect(dashboardUrl('srv-a', page('javascript:alert(1)'), 'dep-1')).toBe(
    'https://dashboard.render.com/web/srv-a/deploys/dep-1',
  );
  expect(dashboardUrl('srv-a', page('not a url'))).toBe('https://dashboard.render.com/web/srv-a');
  expect(dashboardUrl('srv-a', page('https://render.example/web/srv-a/?q="><b>#x'), 'dep-1')).toBe(
    'https://render.example/web/srv-a/deploys/dep-1',
  );
});
