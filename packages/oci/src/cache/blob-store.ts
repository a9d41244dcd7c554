import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Digest } from '../image/digest.js';
import { writeFileAtomic } from '../write-atomic.js';

/** Small blobs kept by digest (a base image's config): read back only when the bytes still hash to it. */
export interface BlobStore {
  read(digest: string): Promise<Buffer | undefined>;
  write(digest: string, bytes: Buffer): Promise<void>;
}

/** A store in `dir`, one file per blob named by its hex digest (`.uai/cache/blobs/sha256/<hex>`). */
export function fileBlobStore(dir: string): BlobStore {
  const fileOf = (digest: string) => (/^sha256:[0-9a-f]{64}$/.test(digest) ? path.join(dir, digest.slice(7)) : undefined);
  return {
    async read(digest) {
      const file = fileOf(digest);
      const bytes = file ? await readFile(file).catch(() => undefined) : undefined;
      // A file damaged or edited by hand is not that blob: ask the registry again.
      return bytes && sha256Digest(bytes) === digest ? bytes : undefined;
    },
    async write(digest, bytes) {
      const file = fileOf(digest);
      if (!file || sha256Digest(bytes) !== digest) return;
      await writeFileAtomic(file, bytes);
    },
  };
}
