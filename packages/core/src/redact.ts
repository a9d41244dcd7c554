/** Replaces every secret in `text` with `***`. Secrets shorter than 3 characters are left alone (too many false hits). */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 3) continue;
    out = out.split(secret).join('***');
    // A child may print the secret base64-encoded (`user:password` in an auth header or config.json).
    const encoded = Buffer.from(secret).toString('base64').replace(/=+$/, '');
    if (encoded.length >= 8) out = out.split(encoded).join('***');
  }
  return out;
}

/** The secrets of this process: collected once, masked everywhere output leaves `uai`. */
export class SecretStore {
  private readonly values = new Set<string>();

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
