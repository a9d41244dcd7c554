import type { Dispatcher } from 'undici';
import { kindForStatus, RegistryError, registryErrorDetail } from './errors.js';
import { isRetryableStatus, parseRetryAfter, RetryableStatus } from './retry.js';

/** A registry's answer, as the transport hands it on. */
export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

export function header(headers: Response['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Throws when the registry says it stored other bytes (`Docker-Content-Digest`) than the digest we sent. */
export function checkStoredDigest(response: Response, expected: string, what: string): void {
  const stored = header(response.headers, 'docker-content-digest');
  if (stored && stored !== expected) throw new RegistryError('digest', `${what}: the registry stored ${stored}, we sent ${expected}.`);
}

/** The host a URL is on, as the user wrote it (`host`) when it is the registry's own (`base`). */
export function hostOf(base: string, host: string, url: string): string {
  const target = new URL(url);
  return target.host === new URL(base).host ? host : target.host;
}

/** Our credentials go only to the origin we were configured with (`base`): same scheme, host and port. */
export function checkOrigin(base: string, host: string, url: string, what: string): URL {
  // A Location downgrading https to http on the same host is refused, not followed without them.
  const target = new URL(url);
  const origin = new URL(base).origin;
  if (target.origin !== origin) {
    if (target.host === new URL(base).host) {
      throw new RegistryError(
        'insecure',
        `${what}: ${host} sent us to ${target.protocol}//${target.host} instead of ${origin}; refusing to send credentials there.`,
      );
    }
    throw new RegistryError('other', `${what}: the registry sent us to another host (${target.host}).`);
  }
  return target;
}

/** The error for an answer we did not expect: retryable (5xx, 429) or a RegistryError saying what to check. */
export async function unexpectedAnswer(request: { method: string; what: string }, response: Response, host: string): Promise<Error> {
  const text = request.method === 'HEAD' ? '' : await response.body.text().catch(() => '');
  if (request.method === 'HEAD') await response.body.dump().catch(() => {});
  const detail = registryErrorDetail(text);
  if (isRetryableStatus(response.status)) return new RetryableStatus(response.status, parseRetryAfter(response.headers['retry-after']), detail);
  // What to do about a 401 or 403 is the caller's to say: it knows where the credentials came from.
  return new RegistryError(kindForStatus(response.status), `${request.what} on ${host}: HTTP ${response.status}${detail ? ` (${detail})` : ''}.`, {
    status: response.status,
  });
}
