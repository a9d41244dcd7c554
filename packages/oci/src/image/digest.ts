import { createHash } from 'node:crypto';

/** The `sha256:<hex>` digest of some bytes: how registries and OCI layouts name a blob or manifest. */
export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Canonical bytes of a JSON document: no whitespace, our key order. Hashing these gives the digest. */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
