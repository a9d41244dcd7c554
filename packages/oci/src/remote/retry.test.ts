import { describe, expect, it } from 'vitest';
import { isResetError, parseRetryAfter, retryDelay, RetryableStatus, withRetries } from './retry.js';

describe('retries', () => {
  it('retries 5xx/429 and resets, not other errors', async () => {
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls++;
        if (calls === 1) throw new RetryableStatus(503);
        if (calls === 2) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return 'ok';
      },
      { baseDelayMs: 1 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    let refused = 0;
    await expect(
      withRetries(
        async () => {
          refused++;
          throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        },
        { baseDelayMs: 1 },
      ),
    ).rejects.toThrow(/ECONNREFUSED/);
    expect(refused).toBe(1);
  });

  it('gives up after the last retry', async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw new RetryableStatus(500);
        },
        { retries: 2, baseDelayMs: 1 },
      ),
    ).rejects.toThrow(/HTTP 500/);
    expect(calls).toBe(3);
  });

  it('reads Retry-After and backs off exponentially with jitter', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect([1, 2, 3].map((n) => retryDelay({ retries: 3, delayMs: 100 }, n, () => 0))).toEqual([100, 200, 400]);
    expect([1, 2, 3].map((n) => retryDelay({ retries: 3, delayMs: 100 }, n, () => 1))).toEqual([150, 300, 600]);
    expect(retryDelay({ retries: 8, delayMs: 100, maxDelayMs: 8000 }, 8, () => 1)).toBe(8000);
    expect(isResetError({ cause: { code: 'UND_ERR_SOCKET' } })).toBe(true);
  });
});
