import { secretsOf } from './secret-env.js';

/** Runs of base64 (standard or URL-safe) long enough to hold a secret of 3 bytes (4 characters). */
const base64Run = /[A-Za-z0-9+/_-]{4,}={0,2}/g;

function decodeBase64(token: string): string {
  return Buffer.from(token.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1');
}

/** The forms a secret takes in what a child prints: as is, JSON-escaped, URL-encoded. */
function forms(secret: string): string[] {
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])];
}

/**
 * Replaces every secret in `text` with `***`, also base64-encoded, alone or inside a longer value
 * (`user:password` in an auth header or a Docker config.json). Secrets shorter than 3 characters are
 * left alone (too many false hits).
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  const wanted = secrets.filter((secret): secret is string => Boolean(secret) && secret!.length >= 3);
  if (wanted.length === 0) return text;
  let out = text;
  for (const secret of wanted) {
    for (const form of forms(secret)) out = out.split(form).join('***');
  }
  // Base64 shifts with what comes before the secret, so decode each run and look inside.
  const latin1 = wanted.map((secret) => Buffer.from(secret).toString('latin1'));
  return out.replace(base64Run, (token) => {
    // Text glued before the base64 shifts its 4-character groups: try each alignment.
    for (let offset = 0; offset < 4; offset += 1) {
      const decoded = decodeBase64(token.slice(offset));
      if (latin1.some((secret) => decoded.includes(secret))) return '***';
    }
    return token;
  });
}

/** The secrets of this process: collected once, masked everywhere output leaves `uai`. */
export class SecretStore {
  private readonly values = new Set<string>();

  /** The store of a run: the environment's secrets (see secretsOf) and `extra`. */
  static of(env: NodeJS.ProcessEnv, extra: readonly string[] = []): SecretStore {
    const store = new SecretStore();
    for (const value of secretsOf(env, extra)) store.add(value);
    return store;
  }

  add(value: string | undefined): void {
    if (value) this.values.add(value);
  }

  mask(text: string): string {
    return redact(text, [...this.values]);
  }

  list(): string[] {
    return [...this.values];
  }
}
