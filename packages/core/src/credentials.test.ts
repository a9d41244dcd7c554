import { describe, expect, it } from 'vitest';
import { credentialsFromEnv } from './credentials.js';
import { UaiError } from './errors.js';

describe('credentialsFromEnv', () => {
  it('logs in to each push host once, with UHUB_USERNAME/UHUB_PASSWORD', () => {
    expect(credentialsFromEnv({ UHUB_USERNAME: 'me', UHUB_PASSWORD: 'pw' }, ['uhub.ucloud.cn', 'uhub.ucloud.cn', 'localhost:5000'])).toEqual([
      { host: 'uhub.ucloud.cn', username: 'me', password: 'pw' },
      { host: 'localhost:5000', username: 'me', password: 'pw' },
    ]);
  });

  it.each([
    { name: 'neither set', env: {} },
    { name: 'both empty', env: { UHUB_USERNAME: '', UHUB_PASSWORD: '' } },
  ])('uses the docker login store when $name', ({ env }) => {
    expect(credentialsFromEnv(env, ['uhub.ucloud.cn'])).toEqual([]);
  });

  it.each([
    { name: 'only UHUB_USERNAME', env: { UHUB_USERNAME: 'me' }, message: 'UHUB_PASSWORD is not set but UHUB_USERNAME is. Set both, or neither to use your docker login.' },
    { name: 'only UHUB_PASSWORD', env: { UHUB_PASSWORD: 'pw' }, message: 'UHUB_USERNAME is not set but UHUB_PASSWORD is. Set both, or neither to use your docker login.' },
    { name: 'an empty UHUB_PASSWORD', env: { UHUB_USERNAME: 'me', UHUB_PASSWORD: '' }, message: 'UHUB_PASSWORD is not set but UHUB_USERNAME is. Set both, or neither to use your docker login.' },
  ])('is a usage error (exit 2) with $name set', ({ env, message }) => {
    let error: unknown;
    try {
      credentialsFromEnv(env, ['uhub.ucloud.cn']);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(UaiError);
    expect((error as UaiError).code).toBe('UAI_USAGE');
    expect((error as UaiError).exitCode).toBe(2);
    expect((error as UaiError).message).toBe(message);
    expect((error as UaiError).message).not.toContain('pw');
  });
});
