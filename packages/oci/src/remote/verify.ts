import { createHash, type Hash } from 'node:crypto';

const hexLengths: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** Whether `value` is a digest we can check: `sha256:`, `sha384:` or `sha512:` and its lowercase hex. */
export function isCheckableDigest(value: string | undefined): value is string {
  const match = value ? /^(sha256|sha384|sha512):([a-f0-9]+)$/.exec(value) : null;
  return Boolean(match && match[2]!.length === hexLengths[match[1]!]);
}

/** A hash of the algorithm `digest` names; undefined for one we cannot check. */
function hasherFor(digest: string): Hash | undefined {
  return isCheckableDigest(digest) ? createHash(digest.slice(0, digest.indexOf(':'))) : undefined;
}

/** The digest of `bytes` in the algorithm `like` names (sha256 when it names none we know). */
export function digestLike(like: string, bytes: Buffer): string {
  const algorithm = isCheckableDigest(like) ? like.slice(0, like.indexOf(':')) : 'sha256';
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

interface ExpectedBlob {
  digest: string;
  /** Bytes there must be; a stream longer than this fails as soon as it is. */
  size?: number;
}

/**
 * Passes `chunks` through while hashing them, and fails with `mismatch(found)` when they
 * do not hash to `expected.digest` (or are not `expected.size` bytes). With `holdLast`, the last chunk
 * is held back until the check has passed: a consumer (an upload's body, a file) never receives the
 * whole of a blob whose bytes are wrong, so a request carrying them cannot complete. Without it, the
 * check comes after the last chunk, before the stream ends: for a consumer that commits only at the
 * end (a temp file renamed into place).
 */
export async function* checkedChunks(
  chunks: AsyncIterable<Buffer>,
  expected: ExpectedBlob,
  /** `found` says what came instead: `N bytes that hash to sha256:...`, or `more than N bytes`. */
  mismatch: (found: string) => Error,
  { holdLast = true }: { holdLast?: boolean } = {},
): AsyncGenerator<Buffer> {
  const hash = hasherFor(expected.digest);
  if (!hash) throw mismatch(`bytes we cannot check against ${expected.digest}`);
  let bytes = 0;
  let held: Buffer | undefined;
  for await (const chunk of chunks) {
    bytes += chunk.length;
    if (expected.size !== undefined && bytes > expected.size) throw mismatch(`more than the ${expected.size} bytes expected`);
    hash.update(chunk);
    if (!holdLast) yield chunk;
    else {
      if (held) yield held;
      held = chunk;
    }
  }
  const actual = `${expected.digest.slice(0, expected.digest.indexOf(':'))}:${hash.digest('hex')}`;
  if (actual !== expected.digest || (expected.size !== undefined && bytes !== expected.size)) throw mismatch(`${bytes} bytes that hash to ${actual}`);
  if (held) yield held;
}
