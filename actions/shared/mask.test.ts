import { maskSecret, secretForms } from './mask';

test('a one-line secret is masked as is and URL-encoded', () => {
  expect(secretForms('a b/c')).toEqual(['a b/c', 'a%20b%2Fc']);
  expect(secretForms('plainvalue')).toEqual(['plainvalue']);
});

test('each long enough line of a multi-line secret is masked on its own', () => {
  const key = '-----BEGIN KEY-----\nAAAABBBBCCCC\n}\n-----END KEY-----';
  const forms = secretForms(key);
  expect(forms).toContain('AAAABBBBCCCC');
  expect(forms).toContain('-----END KEY-----');
  expect(forms).not.toContain('}');
});

test('an empty secret masks nothing', () => {
  const masked: string[] = [];
  expect(maskSecret('', (form) => masked.push(form))).toBe('');
  expect(masked).toEqual([]);
});
