/**
 * What went wrong talking to a registry, in terms a caller can map to advice:
 * `auth` (401, bad credentials), `denied` (403), `not-found` (unknown manifest or blob), `unreachable`
 * (connection failed), `unavailable` (still 5xx/429 or reset connections after every retry), `insecure` (would send credentials over plain http), `digest` (the registry
 * stored other bytes than we sent), `certificate` (its TLS certificate is not trusted, or the host's certificate files cannot be used), `other`.
 */
export type RegistryErrorKind = 'auth' | 'denied' | 'not-found' | 'unreachable' | 'unavailable' | 'insecure' | 'digest' | 'certificate' | 'other';

export class RegistryError extends Error {
  readonly kind: RegistryErrorKind;
  readonly status?: number;

  constructor(kind: RegistryErrorKind, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegistryError';
    this.kind = kind;
    this.status = options.status;
  }
}

/** The first `errors[].code: message` of a registry's JSON error body, if any. */
export function registryErrorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    if (first) return `${first.code ?? ''}${first.message ? `: ${first.message}` : ''}`;
  } catch {
    // not JSON
  }
  return body.trim().slice(0, 200);
}

export function kindForStatus(status: number): RegistryErrorKind {
  if (status === 401) return 'auth';
  if (status === 403) return 'denied';
  if (status === 404) return 'not-found';
  return 'other';
}
