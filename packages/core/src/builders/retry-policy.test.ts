import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy, pause, retryDelay, retryPolicyFromEnv } from './retry-policy.js';

describe('retryPolicyFromEnv', () => {
  it.each([
    { name: 'nothing set', env: {}, expected: defaultRetryPolicy },
    { name: 'both set', env: { UAI_PUSH_RETRIES: '5', UAI_RETRY_DELAY_MS: '10' }, expected: { retries: 5, delayMs: 10 } },
    { name: 'zero retries', env: { UAI_PUSH_RETRIES: '0' }, expected: { ...defaultRetryPolicy, retries: 0 } },
    { name: 'empty values', env: { UAI_PUSH_RETRIES: '', UAI_RETRY_DELAY_MS: '' }, expected: defaultRetryPolicy },
  ])('$name', ({ env, expected }) => {
    expect(retryPolicyFromEnv(env)).toEqual(expected);
  });

  it.each(['-1', '1.5', 'many', '3 '])('refuses UAI_PUSH_RETRIES=%j', (value) => {
    expect(() => retryPolicyFromEnv({ UAI_PUSH_RETRIES: value })).toThrow(/UAI_PUSH_RETRIES=.* is not a whole number/);
  });
});

describe('retryDelay', () => {
  it('doubles each time, with up to half again at random', () => {
    const policy = { retries: 3, delayMs: 100 };
    expect([1, 2, 3].map((n) => retryDelay(policy, n, () => 0))).toEqual([100, 200, 400]);
    expect([1, 2, 3].map((n) => retryDelay(policy, n, () => 1))).toEqual([150, 300, 600]);
  });
});

describe('pause', () => {
  it('waits, or returns false at once when stopped', async () => {
    expect(await pause(1)).toBe(true);
    const controller = new AbortController();
    const started = Date.now();
    const waiting = pause(60_000, controller.signal);
    controller.abort();
    expect(await waiting).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
