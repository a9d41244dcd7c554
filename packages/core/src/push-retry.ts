import { setTimeout as sleep } from 'node:timers/promises';
import { UaiError } from './errors.js';

/** How a push is tried again after a registry's passing trouble (5xx, 429, a reset connection). */
export interface RetryPolicy {
  /** Tries after the first. @default 2 */
  retries: number;
  /** The first wait, doubled for each later one. @default 1000 */
  delayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 2, delayMs: 1000 };

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw new UaiError('UAI_USAGE', `${name}=${JSON.stringify(text)} is not a whole number of 0 or more. Fix or unset it.`);
  return Number(text);
}

/** `UAI_PUSH_RETRIES` and `UAI_RETRY_DELAY_MS` change the policy (a slow registry; tests make waits short). */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv): RetryPolicy {
  return {
    retries: wholeNumber(env, 'UAI_PUSH_RETRIES', defaultRetryPolicy.retries),
    delayMs: wholeNumber(env, 'UAI_RETRY_DELAY_MS', defaultRetryPolicy.delayMs),
  };
}

/**
 * The wait before retry `n` (from 1): the delay doubled each time, plus up to half again at random, so
 * models that hit the same overloaded registry at once do not all come back at once.
 */
export function retryDelay(policy: RetryPolicy, n: number, random = Math.random): number {
  const base = policy.delayMs * 2 ** (n - 1);
  return Math.round(base + (random() * base) / 2);
}

/** Waits `ms`; resolves false at once if `signal` aborts (Ctrl-C must not wait out a backoff). */
export async function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
