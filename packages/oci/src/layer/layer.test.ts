import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LayerCache } from '../cache/layer-cache.js';
import { walkDirectory } from './entries.js';
import { digestLayer, normalizeEntries, sourceDateEpoch, tarChunks, type LayerEntry } from './layer.js';
import { prepareLayer } from './prepare-layer.js';

function tree(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-layer-'));
  writeFileSync(path.join(dir, 'a.py'), 'print(1)\n');
  writeFileSync(path.join(dir, 'w.bin'), Buffer.alloc(300_000, 7));
  return dir;
}

/** A tree holding a (sparse) file just over 16 MiB: a layer big enough to be left to the upload to hash. */
function bigTree(): string {
  const dir = tree();
  writeFileSync(path.join(dir, 'big.bin'), '');
  truncateSync(path.join(dir, 'big.bin'), 16 * 1024 * 1024 + 1);
  return dir;
}

describe('digestLayer', () => {
  it('gzips deterministically: OS byte 255, mtime 0, same digest on every run', async () => {
    const dir = tree();
    const entries = await walkDirectory(dir, { prefix: 'app' });
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'uai-blob-')), 'blob');
    const first = await digestLayer(entries, { gzip: true, writeTo: out });
    const blob = readFileSync(out);
    expect(blob[9]).toBe(0xff);
    expect(blob.readUInt32LE(4)).toBe(0);
    expect(`sha256:${createHash('sha256').update(blob).digest('hex')}`).toBe(first.digest);
    expect(first.size).toBe(blob.length);
    // Touching the files changes nothing: mtimes are not in the layer.
    utimesSync(path.join(dir, 'a.py'), new Date(), new Date(2001, 1, 1));
    const again = await digestLayer(await walkDirectory(dir, { prefix: 'app' }), { gzip: true });
    expect(again).toEqual(first);
    // diff_id is the digest of what gunzip gives.
    const tar = execFileSync('gzip', ['-dc', out]);
    expect(`sha256:${createHash('sha256').update(tar).digest('hex')}`).toBe(first.diffId);
  });

  it('takes SOURCE_DATE_EPOCH when it is an integer', () => {
    expect(sourceDateEpoch({ SOURCE_DATE_EPOCH: '1700000000' })).toBe(1700000000);
    expect(sourceDateEpoch({ SOURCE_DATE_EPOCH: 'soon' })).toBe(0);
    expect(sourceDateEpoch({})).toBe(0);
  });
});

describe('prepareLayer and the layer cache', () => {
  it('hashes an unchanged uncompressed layer once, then knows its digest from stat', async () => {
    const dir = bigTree();
    const cacheFile = path.join(dir, 'cache', 'layers.json');
    const options = { gzip: false, mtime: 0, blobDir: path.join(dir, 'cache', 'blobs'), resolveNow: true };
    const entries = await walkDirectory(dir, { prefix: 'app', skip: (rel) => rel === 'cache' });
    const first = await prepareLayer(entries, { ...options, cache: new LayerCache(cacheFile) });
    expect(first.digest).toMatch(/^sha256:/);
    expect(first.diffId).toBe(first.digest);
    const cache = new LayerCache(cacheFile);
    await (cache as unknown as { save(): Promise<void> }).save();
    const known = await prepareLayer(entries, { ...options, cache: new LayerCache(cacheFile), resolveNow: false });
    expect(known.digest).toBeUndefined(); // nothing saved yet
    const warm = new LayerCache(cacheFile);
    await prepareLayer(entries, { ...options, cache: warm });
    await warm.save();
    const cached = await prepareLayer(entries, { ...options, cache: new LayerCache(cacheFile), resolveNow: false });
    expect(cached.digest).toBe(first.digest);
  });

  it('leaves an unknown uncompressed layer over 16 MiB pending (hashed while it is uploaded)', async () => {
    const dir = bigTree();
    const entries = await walkDirectory(dir, { prefix: 'app' });
    const layer = await prepareLayer(entries, { gzip: false, mtime: 0, cache: new LayerCache(undefined), blobDir: dir, resolveNow: false });
    expect(layer.digest).toBeUndefined();
    let read = 0;
    for await (const chunk of layer.open()) read += chunk.length;
    expect(read).toBe(layer.size);
  });

  it('hashes an unknown uncompressed layer of 16 MiB or less at once: a known digest saves the round trips of a streamed upload', async () => {
    const dir = tree();
    const entries = await walkDirectory(dir, { prefix: 'app' });
    const layer = await prepareLayer(entries, { gzip: false, mtime: 0, cache: new LayerCache(undefined), blobDir: dir, resolveNow: false });
    const hash = createHash('sha256');
    for await (const chunk of layer.open()) hash.update(chunk);
    expect(layer.digest).toBe(`sha256:${hash.digest('hex')}`);
  });

  it('forgets layers no build used for a month, and then their gzip blobs', async () => {
    const dir = tree();
    const cacheFile = path.join(dir, 'cache', 'layers.json');
    const blobDir = path.join(dir, 'cache', 'blobs');
    const day = 24 * 60 * 60 * 1000;
    let now = Date.now();
    const clock = () => now;
    const options = { gzip: true, mtime: 0, blobDir, resolveNow: true };
    const entries = (text: string) => [{ path: 'app/code.py', type: 'file' as const, mode: 0o644, size: text.length, contents: Buffer.from(text) }];
    // Two versions of the code, packed today; only the second is built again over the next weeks.
    const old = new LayerCache(cacheFile, clock);
    const first = await prepareLayer(entries('print(1)\n'), { ...options, cache: old });
    const second = await prepareLayer(entries('print(2)\n'), { ...options, cache: old });
    await old.save();
    const blobs = () => readdirSync(blobDir).sort();
    expect(blobs()).toEqual([first.digest!.slice(7), second.digest!.slice(7)].sort());
    for (const days of [10, 20, 31]) {
      now = Date.now() + days * day;
      const cache = new LayerCache(cacheFile, clock);
      await prepareLayer(entries('print(2)\n'), { ...options, cache });
      await cache.save();
      await cache.pruneBlobs(blobDir);
    }
    // The first version's record and blob are gone (its blob was also older than a day); the second stays.
    const records = JSON.parse(readFileSync(cacheFile, 'utf8')).layers as Record<string, { digest: string }>;
    expect(Object.values(records).map((record) => record.digest)).toEqual([second.digest]);
    expect(blobs()).toEqual([second.digest!.slice(7)]);
  });
});

describe('tarChunks from an offset', () => {
  it('gives the bytes of the whole tar from `start` on, wherever it falls (header, file, padding, trailer)', async () => {
    const dir = tree();
    const entries: LayerEntry[] = normalizeEntries([
      ...(await walkDirectory(dir, { prefix: 'app' })),
      { path: 'app/inline.txt', type: 'file', mode: 0o644, size: 5, contents: Buffer.from('hello') },
      {
        path: 'app/streamed.bin',
        type: 'file',
        mode: 0o644,
        size: 70_000,
        open: async function* () {
          yield Buffer.alloc(30_000, 1);
          yield Buffer.alloc(40_000, 2);
        },
      },
    ]);
    const read = async (start?: number) => {
      const chunks: Buffer[] = [];
      for await (const chunk of tarChunks(entries, { start, ring: 3 })) chunks.push(Buffer.from(chunk));
      return Buffer.concat(chunks);
    };
    const whole = await read();
    const starts = [0, 1, 511, 512, 513, 1536, 100_000, 300_000, whole.length - 1025, whole.length - 1, whole.length];
    for (let at = 0; at < whole.length; at += 4099) starts.push(at);
    for (const start of starts) expect((await read(start)).equals(whole.subarray(start)), `from ${start}`).toBe(true);
  });
});
