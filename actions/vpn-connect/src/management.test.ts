import {
  ConnectionProgress,
  parseManagementLine,
  pushedOptions,
  type ManagementEvent,
} from './management';

test.each([
  [
    '>STATE:1795314456,CONNECTED,SUCCESS,10.229.0.2,172.29.250.2,1194,,',
    {
      type: 'state',
      state: 'CONNECTED',
      reason: 'SUCCESS',
      localIp: '10.229.0.2',
      remoteIp: '172.29.250.2',
      remotePort: '1194',
    },
  ],
  [
    '>LOG:1795314466,N,VERIFY ERROR: depth=1, error=self-signed certificate',
    { type: 'log', flags: 'N', message: 'VERIFY ERROR: depth=1, error=self-signed certificate' },
  ],
  [
    ">PASSWORD:Verification Failed: 'Auth'",
    { type: 'password', message: "Verification Failed: 'Auth'" },
  ],
  ['>FATAL:Cannot open TUN/TAP dev', { type: 'fatal', message: 'Cannot open TUN/TAP dev' }],
  ['SUCCESS: pid=18343', { type: 'other', line: 'SUCCESS: pid=18343' }],
])('%s', (line, event) => {
  expect(parseManagementLine(line)).toEqual(event);
});

function replay(lines: string[]) {
  const progress = new ConnectionProgress();
  for (const line of lines) {
    const outcome = progress.handle(parseManagementLine(line));
    if (outcome) return { outcome, progress };
  }
  return { outcome: undefined, progress };
}

test('CONNECTED ends the wait, with the address and the device from the log', () => {
  const { outcome, progress } = replay([
    '>STATE:1,WAIT,,,,,,',
    '>LOG:1,I,TUN/TAP device tun3 opened',
    '>STATE:1,ASSIGN_IP,,10.8.0.2,,,,',
    '>STATE:1,CONNECTED,SUCCESS,10.8.0.2,198.18.1.2,1194,,',
  ]);
  expect(outcome).toEqual({
    kind: 'connected',
    localIp: '10.8.0.2',
    remote: '198.18.1.2:1194',
    withErrors: false,
  });
  expect(progress.device).toBe('tun3');
});

test('a TLS failure ends the wait at the first restart, naming the verify error', () => {
  const { outcome } = replay([
    '>STATE:1,AUTH,,,,,,',
    '>LOG:1,N,VERIFY ERROR: depth=1, error=self-signed certificate in certificate chain: CN=test-ca',
    '>LOG:1,N,OpenSSL: error:0A000086:SSL routines::certificate verify failed:',
    '>LOG:1,N,TLS Error: TLS handshake failed',
    '>STATE:1,RECONNECTING,tls-error,,,,,',
  ]);
  expect(outcome?.kind).toBe('failed');
  expect(outcome?.kind === 'failed' && outcome.message).toMatch(
    /^The TLS handshake with the server failed: VERIFY ERROR: depth=1.*check 'ca'/,
  );
});

test('the server refusing the client certificate points at cert and key', () => {
  const { outcome } = replay([
    '>LOG:1,N,OpenSSL: error:0A000418:SSL routines::tlsv1 alert unknown ca:',
    '>STATE:1,RECONNECTING,tls-error,,,,,',
  ]);
  expect(outcome?.kind === 'failed' && outcome.message).toContain("check 'cert' and 'key'");
});

test.each([
  [[">PASSWORD:Verification Failed: 'Auth'"], 'AUTH_FAILED'],
  [['>STATE:1,EXITING,auth-failure,,,,,'], 'AUTH_FAILED'],
  [[">PASSWORD:Need 'Auth' username/password"], "set 'username' and 'password'"],
  [[">PASSWORD:Need 'Private Key' password"], "set 'key-passphrase'"],
  [[">PASSWORD:Verification Failed: 'Private Key'"], "check 'key-passphrase'"],
  [['>LOG:1,N,Options error: bad', '>STATE:1,EXITING,SIGTERM,,,,,'], 'Options error: bad'],
])('%p fails at once: %s', (lines, words) => {
  const { outcome } = replay(lines);
  expect(outcome?.kind).toBe('failed');
  expect(outcome?.kind === 'failed' && outcome.message).toContain(words);
});

test('an unanswered server is no failure by itself, but its last complaint is kept', () => {
  const { outcome, progress } = replay([
    '>STATE:1,WAIT,,,,,,',
    '>LOG:1,N,read UDPv4 [ECONNREFUSED]: Connection refused (fd=5,code=111)',
    '>STATE:1,RECONNECTING,ping-restart,,,,,',
  ]);
  expect(outcome).toBeUndefined();
  expect(progress.lastState).toBe('RECONNECTING');
  expect(progress.lastProblem()).toContain('ECONNREFUSED');
});

test('management chatter about itself is never taken for a problem', () => {
  const events: ManagementEvent[] = [
    { type: 'log', flags: 'D', message: "MANAGEMENT: CMD 'state on' Connection refused" },
  ];
  const progress = new ConnectionProgress();
  events.forEach((event) => progress.handle(event));
  expect(progress.lastProblem()).toBeUndefined();
});

test('the options a server pushed are read from the log, each once', () => {
  const push =
    ">LOG:1,,PUSH: Received control message: 'PUSH_REPLY,route 198.18.161.1 255.255.255.255,dhcp-option DNS 198.18.161.1,dhcp-option DOMAIN corp.test,ifconfig 198.19.11.2 255.255.255.0'";
  const { progress } = replay([
    push,
    push,
    '>STATE:2,CONNECTED,SUCCESS,198.19.11.2,198.18.11.2,1205,,',
  ]);
  expect(progress.pushed).toEqual([
    'route 198.18.161.1 255.255.255.255',
    'dhcp-option DNS 198.18.161.1',
    'dhcp-option DOMAIN corp.test',
    'ifconfig 198.19.11.2 255.255.255.0',
  ]);
  expect(pushedOptions("PUSH: Received control message: 'PUSH_REPLY,push-continuation 2'")).toEqual(
    [],
  );
  expect(pushedOptions('TUN/TAP device tun0 opened')).toEqual([]);
});
