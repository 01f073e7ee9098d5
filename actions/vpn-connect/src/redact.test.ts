import { redactSecrets } from './redact';

test('every line of a multi-line secret and the whole of a one-line one are replaced', () => {
  const key =
    '-----BEGIN PRIVATE KEY-----\nAAAAsecretLINE1\nBBBBsecretLINE2\n-----END PRIVATE KEY-----';
  const log = 'loaded AAAAsecretLINE1 then BBBBsecretLINE2; password hunter22 sent';
  expect(redactSecrets(log, [key, 'hunter22'])).toBe('loaded *** then ***; password *** sent');
});

test('no secrets, no change', () => {
  expect(redactSecrets('plain text', [])).toBe('plain text');
});
