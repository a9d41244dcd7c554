import { describe, expect, it } from 'vitest';
import { redact, SecretStore } from './redact.js';

const password = 'S3cr3t-pass!';
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('redact', () => {
  const cases = [
    { name: 'the plain password', text: `login with ${password} failed`, expected: 'login with *** failed' },
    { name: 'every occurrence', text: `${password}/${password}`, expected: '***/***' },
    { name: 'base64 of the password alone', text: `token ${b64(password)}`, expected: 'token ***' },
    { name: 'base64 of user:password (an auth header)', text: `Authorization: Basic ${b64(`me:${password}`)}`, expected: 'Authorization: Basic ***' },
    {
      name: 'base64 of a longer user:password (a docker config.json)',
      text: `{"auths":{"uhub.ucloud.cn":{"auth":"${b64(`someone@example.com:${password}`)}"}}}`,
      expected: '{"auths":{"uhub.ucloud.cn":{"auth":"***"}}}',
    },
    { name: 'base64 without padding', text: `auth=${b64(`ab:${password}`).replace(/=+$/, '')}`, expected: 'auth=***' },
    { name: 'base64 glued to other text', text: `xyz${b64(`me:${password}`)}`, expected: '***' },
    { name: 'URL-encoded', text: `https://me:${encodeURIComponent(password)}@uhub.ucloud.cn`, expected: 'https://me:***@uhub.ucloud.cn' },
    { name: 'nothing secret', text: 'Pushed sha256:0123456789abcdef and YWJjZGVmZ2hpams=', expected: 'Pushed sha256:0123456789abcdef and YWJjZGVmZ2hpams=' },
  ];

  it.each(cases)('masks $name', ({ text, expected }) => {
    expect(redact(text, [password])).toBe(expected);
  });

  it('masks a password with JSON-escaped characters as JSON shows it', () => {
    const quoted = 'pa"ss\\word';
    expect(redact(`{"password":${JSON.stringify(quoted)}}`, [quoted])).toBe('{"password":"***"}');
  });

  it('masks a non-ASCII password, also in base64', () => {
    const secret = 'пароль-密码';
    expect(redact(`${secret} ${b64(`me:${secret}`)}`, [secret])).toBe('*** ***');
  });

  it.each([
    { name: 'undefined', secrets: [undefined] },
    { name: 'empty', secrets: [''] },
    { name: 'shorter than 3 characters', secrets: ['ab'] },
  ])('ignores a secret that is $name', ({ secrets }) => {
    expect(redact('ab abc', secrets)).toBe('ab abc');
  });
});

describe('SecretStore', () => {
  it('masks every secret added, and ignores empty ones', () => {
    const store = new SecretStore();
    store.add(password);
    store.add('api-key-123');
    store.add(undefined);
    store.add('');
    expect(store.list()).toEqual([password, 'api-key-123']);
    expect(store.mask(`${password} api-key-123 ${b64(`u:${password}`)}`)).toBe('*** *** ***');
  });
});
