import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlobLocations, type SharedPushResult } from './blob-locations.js';
import { unusedLayerLifetimeMs } from './layer-cache.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
const cacheFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'uai-blobs-')), 'blobs.json');

/** A registry host's pushes as the tests see them: each push's repository, where it mounted from, and how it ended. */
function fakePushes() {
  const log: string[] = [];
  /** A push that takes `ms`, uploads `found` (or mounts it when given a repository), or fails. */
  const push =
    (repository: string, found: string, options: { ms?: number; fail?: boolean; refuseMount?: boolean } = {}) =>
    async (mountFrom: string | undefined, known: string | undefined): Promise<SharedPushResult> => {
      log.push(`${repository}: ${mountFrom ? `mount from ${mountFrom}` : 'upload'} ${known ?? '(digest unknown)'}`);
      await new Promise((resolve) => setTimeout(resolve, options.ms ?? 1));
      if (options.fail) throw new Error('upload failed');
      const mounted = Boolean(mountFrom) && !options.refuseMount;
      return { digest: found, uploaded: !mounted, mounted };
    };
  return { log, push };
}

describe('BlobLocations', () => {
  it('sends a blob two repositories push at once up once: the second waits, then mounts it from the first', async () => {
    const sharing = new BlobLocations(undefined).forHost('reg');
    const { log, push } = fakePushes();
    const blob = { digest: digest('a'), size: 100 };
    const [a, b] = await Promise.all([
      sharing.share('ns/a', blob, push('ns/a', blob.digest, { ms: 30 })),
      sharing.share('ns/b', blob, push('ns/b', blob.digest)),
    ]);
    expect(log).toEqual([`ns/a: upload ${digest('a')}`, `ns/b: mount from ns/a ${digest('a')}`]);
    expect([a.uploaded, b.mounted]).toEqual([true, true]);
  });

  it('hashes a blob of unknown digest when one of its size is on its way elsewhere, waits for it, and mounts it', async () => {
    const sharing = new BlobLocations(undefined).forHost('reg');
    const { log, push } = fakePushes();
    let hashed = 0;
    const digestOf = async () => {
      hashed++;
      return digest('a');
    };
    const first = sharing.share('ns/a', { size: 100, digestOf }, push('ns/a', digest('a'), { ms: 30 }));
    await tick();
    const second = sharing.share('ns/b', { size: 100, digestOf }, push('ns/b', digest('a')));
    // Another size: neither hashed nor held up.
    const other = sharing.share('ns/c', { size: 7, digestOf }, push('ns/c', digest('c')));
    await Promise.all([first, second, other]);
    expect(hashed).toBe(1);
    expect(log).toEqual(['ns/a: upload (digest unknown)', 'ns/c: upload (digest unknown)', `ns/b: mount from ns/a ${digest('a')}`]);
  });

  it("does not hold up a repository's own blobs of one size (a model's shards go up side by side)", async () => {
    const sharing = new BlobLocations(undefined).forHost('reg');
    const { log, push } = fakePushes();
    const digestOf = async () => {
      throw new Error('not hashed');
    };
    await Promise.all([
      sharing.share('ns/a', { size: 100, digestOf }, push('ns/a', digest('1'), { ms: 20 })),
      sharing.share('ns/a', { size: 100, digestOf }, push('ns/a', digest('2'))),
    ]);
    expect(log).toEqual(['ns/a: upload (digest unknown)', 'ns/a: upload (digest unknown)']);
  });

  it('uploads when the push it waited for failed', async () => {
    const sharing = new BlobLocations(undefined).forHost('reg');
    const { log, push } = fakePushes();
    const blob = { digest: digest('a'), size: 100 };
    const failed = sharing.share('ns/a', blob, push('ns/a', blob.digest, { ms: 20, fail: true }));
    const [first, second] = await Promise.allSettled([failed, sharing.share('ns/b', blob, push('ns/b', blob.digest))]);
    expect(first.status).toBe('rejected');
    expect(second.status).toBe('fulfilled');
    expect(log).toEqual([`ns/a: upload ${digest('a')}`, `ns/b: upload ${digest('a')}`]);
  });

  it('remembers across runs where a blob went, per registry host, and a refused mount moves the record', async () => {
    const file = cacheFile();
    const first = new BlobLocations(file);
    const { log, push } = fakePushes();
    await first.forHost('reg').share('ns/a', { digest: digest('a'), size: 100 }, push('ns/a', digest('a')));
    await first.save();
    expect(JSON.parse(readFileSync(file, 'utf8')).hosts.reg[digest('a')]).toMatchObject({ repository: 'ns/a', size: 100 });

    // A later run: found in the file, by its size first when the digest is not known.
    const later = new BlobLocations(file);
    await later.forHost('reg').share('ns/b', { size: 100, digestOf: async () => digest('a') }, push('ns/b', digest('a')));
    // Another registry holds nothing of ours.
    await later.forHost('other:5000').share('ns/b', { digest: digest('a'), size: 100 }, push('ns/b', digest('a')));
    // The first repository lost it: the mount is refused, the blob uploaded, and the record is the new repository's.
    await later.forHost('reg').share('ns/c', { digest: digest('a'), size: 100 }, push('ns/c', digest('a'), { refuseMount: true }));
    await later.forHost('reg').share('ns/d', { digest: digest('a'), size: 100 }, push('ns/d', digest('a')));
    expect(log.slice(1)).toEqual([
      `ns/b: mount from ns/a ${digest('a')}`,
      `ns/b: upload ${digest('a')}`,
      `ns/c: mount from ns/a ${digest('a')}`,
      `ns/d: mount from ns/c ${digest('a')}`,
    ]);
  });

  it('merges its records over what another run wrote meanwhile, and drops records unused for a month', async () => {
    const file = cacheFile();
    const now = Date.UTC(2026, 0, 1);
    const run = new BlobLocations(file, () => now);
    const { push } = fakePushes();
    await run.forHost('reg').share('ns/a', { digest: digest('a'), size: 100 }, push('ns/a', digest('a')));
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        hosts: {
          reg: {
            [digest('b')]: { repository: 'ns/b', size: 5, used: now },
            [digest('c')]: { repository: 'ns/c', size: 5, used: now - unusedLayerLifetimeMs - 1 },
          },
          bad: { 'not-a-digest': { repository: 'x', size: 1 } },
        },
      }),
    );
    await run.save();
    const hosts = JSON.parse(readFileSync(file, 'utf8')).hosts;
    expect(Object.keys(hosts)).toEqual(['reg']);
    expect(Object.keys(hosts.reg).sort()).toEqual([digest('a'), digest('b')]);
  });
});
