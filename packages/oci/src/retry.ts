import { setTimeout as sleep } from 'node:timers/promises';

/** Network errors worth another try: the connection was reset or closed under us, not refused. */
const resetCodes = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ETIMEDOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function isResetError(error: unknown): boolean {
  for (let e = error as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code && resetCodes.has(e.code)) return true;
  }
  return false;
}

/** 5xx and 429 are passing troubles; other statuses are answers. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** A status the caller decided to retry, carrying the server's Retry-After. */
export class RetryableStatus extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs?: number,
    readonly detail = '',
  ) {
    super(`HTTP ${status}${detail ? `: ${detail}` : ''}`);
  }
}

export interface RetryOptions {
  /** Attempts after the first. @default 4 */
  retries?: number;
  /** First wait; doubles each time, with jitter. @default 250 */
  baseDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function backoffDelay(attempt: number, base: number, max: number, random = Math.random): number {
  const exp = Math.min(max, base * 2 ** attempt);
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/** Runs `fn` again after a backoff when it fails with a reset or a retryable status; anything else is thrown at once. */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 4;
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 8000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const retryable = error instanceof RetryableStatus || isResetError(error);
      if (!retryable || attempt >= retries || options.signal?.aborted) throw error;
      const hinted = error instanceof RetryableStatus ? error.retryAfterMs : undefined;
      const delay = Math.min(max, hinted ?? backoffDelay(attempt, base, max));
      options.onRetry?.(attempt + 1, error, delay);
      await sleep(delay, undefined, { signal: options.signal });
    }
  }
}
