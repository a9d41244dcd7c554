import { retryDelay, type RetryPolicy } from '@uai/oci';
import { setTimeout as sleep } from 'node:timers/promises';
import { UaiError } from '../errors/uai-error.js';

export { retryDelay, type RetryPolicy };

/**
 * The Docker builder's policy: a whole `docker push` is tried again, 2 more times from 1 s. What
 * `UAI_PUSH_RETRIES` and `UAI_RETRY_DELAY_MS` change when they are set (for both builders, with the
 * same meaning: tries after the first, and the first wait, doubled each time).
 */
export const defaultRetryPolicy: RetryPolicy = { retries: 2, delayMs: 1000 };

/** The native builder's policy when the environment sets none: each registry request, 4 more times from 250 ms. */
export const requestRetryPolicy: RetryPolicy = { retries: 4, delayMs: 250, maxDelayMs: 8000 };

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw new UaiError('UAI_USAGE', `${name}=${JSON.stringify(text)} is not a whole number of 0 or more. Fix or unset it.`);
  return Number(text);
}

/** `defaults`, with what `UAI_PUSH_RETRIES` and `UAI_RETRY_DELAY_MS` set (a slow registry; tests make waits short). */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv, defaults: RetryPolicy = defaultRetryPolicy): RetryPolicy {
  return {
    ...defaults,
    retries: wholeNumber(env, 'UAI_PUSH_RETRIES', defaults.retries),
    delayMs: wholeNumber(env, 'UAI_RETRY_DELAY_MS', defaults.delayMs),
  };
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
