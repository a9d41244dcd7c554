import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HashPool } from './hash-pool.js';
import { digestLayer, normalizeEntries, tarChunks, type LayerEntry } from './layer.js';

const pool = new HashPool(2);
afterAll(() => pool.close());

function sha(...parts: Buffer[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return `sha256:${hash.digest('hex')}`;
}

describe('HashPool', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-pool-'));
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 3);
  writeFileSync(path.join(dir, 'big'), big);

  it('hashes bytes and files as one stream, several jobs at once', async () => {
    const head = Buffer.from('head');
    const results = await Promise.all([1, 2, 3].map(() => pool.hash([head, { path: path.join(dir, 'big'), size: big.length }, head])));
    for (const result of results) expect(result).toEqual({ digest: sha(head, big, head), size: big.length + 8 });
  });

  it('fails when a file is not the size it was listed with', async () => {
    await expect(pool.hashFile(path.join(dir, 'big'), 10)).rejects.toThrow(/changed while it was being hashed/);
  });

  it('gives digestLayer the digest of the tar stream', async () => {
    const entries: LayerEntry[] = normalizeEntries([
      { path: 'app/w/big', type: 'file', mode: 0o644, size: big.length, source: path.join(dir, 'big') },
      { path: 'app/c.txt', type: 'file', mode: 0o644, size: 2, contents: Buffer.from('hi') },
    ]);
    const chunks: Buffer[] = [];
    for await (const chunk of tarChunks(entries)) chunks.push(chunk);
    const viaWorker = await digestLayer(entries, { gzip: false });
    expect(viaWorker.digest).toBe(sha(Buffer.concat(chunks)));
    expect(viaWorker.size).toBe(Buffer.concat(chunks).length);
  });
});
