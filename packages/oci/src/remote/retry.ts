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

/**
 * How a request is tried again after a registry's passing trouble (5xx, 429, a reset connection): the one
 * policy of uai, for the registry client here and for pushes through the Docker CLI.
 */
export interface RetryPolicy {
  /** Tries after the first. */
  retries: number;
  /** The first wait, doubled for each later one. */
  delayMs: number;
  /** No wait is longer than this. */
  maxDelayMs?: number;
}

/** `withRetries`' options (and the registry client's `retry`), in the terms of a `RetryPolicy`. */
export interface RetryOptions {
  /** Attempts after the first (`RetryPolicy.retries`). @default 4 */
  retries?: number;
  /** The first wait (`RetryPolicy.delayMs`), doubled for each later one. @default 250 */
  baseDelayMs?: number;
  /** @default 8000 */
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

/**
 * The wait before retry `n` (from 1): the delay doubled each time, plus up to half again at random, so
 * clients that hit the same overloaded registry at once do not all come back at once; at most `maxDelayMs`.
 */
export function retryDelay(policy: RetryPolicy, n: number, random = Math.random): number {
  const base = policy.delayMs * 2 ** (n - 1);
  const delay = Math.round(base + (random() * base) / 2);
  return policy.maxDelayMs === undefined ? delay : Math.min(policy.maxDelayMs, delay);
}

/** Runs `fn` again after a backoff when it fails with a reset or a retryable status; anything else is thrown at once. */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const max = options.maxDelayMs ?? 8000;
  const policy: RetryPolicy = { retries: options.retries ?? 4, delayMs: options.baseDelayMs ?? 250, maxDelayMs: max };
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const retryable = error instanceof RetryableStatus || isResetError(error);
      if (!retryable || attempt >= policy.retries || options.signal?.aborted) throw error;
      // The registry's Retry-After, when it sent one, instead of our backoff; never above the cap.
      const hinted = error instanceof RetryableStatus ? error.retryAfterMs : undefined;
      const delay = Math.min(max, hinted ?? retryDelay(policy, attempt + 1));
      options.onRetry?.(attempt + 1, error, delay);
      await sleep(delay, undefined, { signal: options.signal });
    }
  }
}
