import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelPlan } from '../../plan/plan.js';
import { ImageRecords } from './image-records.js';
import { nativeBuilder } from './native-builder.js';
import type { NativeSession } from './session.js';
import { TagDigests } from './tag-digests.js';
import { stampOf, upToDate } from './up-to-date.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const plan = { name: 'm', imageRef: 'reg.example/ns/m:v1', baseImage: 'reg.example/uaishare/base:v1' } as unknown as ModelPlan;
const ctx = { signal: new AbortController().signal, log: () => {} };
const manifest = Buffer.from(JSON.stringify({ config: { digest: digest('c') }, layers: [{ digest: digest('1') }] }));

/** A session whose base image has `baseDigest`; nothing else of it is used here. */
const session = (baseDigest: string) => ({ baseImage: async () => ({ digest: baseDigest }), mtime: 0 }) as unknown as NativeSession;

describe('stampOf: what a record says an image was made from', () => {
  it('changes with the base image, SOURCE_DATE_EPOCH and the local inputs', () => {
    const stamp = stampOf(digest('l'), digest('b'), 0);
    expect(stampOf(digest('l'), digest('b'), 0)).toBe(stamp);
    expect(stampOf(digest('l'), digest('d'), 0)).not.toBe(stamp); // the base tag moved to a patched image
    expect(stampOf(digest('l'), digest('b'), 1700000000)).not.toBe(stamp);
    expect(stampOf(digest('m'), digest('b'), 0)).not.toBe(stamp);
  });
});

describe('upToDate', () => {
  const records = () => new ImageRecords(path.join(mkdtempSync(path.join(os.tmpdir(), 'uai-records-')), 'images.json'));

  it('is so only when the record of the last push names this stamp and the tag still holds its manifest', async () => {
    const held = records();
    const local = digest('l');
    held.record('m', plan.imageRef, digest('a'), manifest, undefined, { stamp: stampOf(local, digest('b'), 0), local });
    const now = (tag: string | undefined, base = digest('b'), inputs = local) => upToDate(plan, inputs, Promise.resolve(tag), session(base), held, ctx);
    expect((await now(digest('a'))).unchanged).toEqual({ digest: digest('a'), skipped: true });
    expect((await now(digest('e'))).unchanged).toBeUndefined(); // another pusher moved the tag
    expect((await now(undefined)).unchanged).toBeUndefined(); // the tag is gone
    expect((await now(digest('a'), digest('d'))).unchanged).toBeUndefined(); // the base image changed
    expect((await now(digest('a'), digest('b'), digest('x'))).unchanged).toBeUndefined(); // a file changed
    // What to record after the push: the stamp of these inputs on this base.
    expect((await now(digest('e'))).made).toEqual({ stamp: stampOf(local, digest('b'), 0), local });
    // Whether the model changed is known from the record alone, before the base is read.
    expect(await held.changedLocally('m', plan.imageRef, local)).toBe(false);
    expect(await held.changedLocally('m', plan.imageRef, digest('x'))).toBe(true);
    expect(await held.changedLocally('m', 'reg.example/ns/m:v2', local)).toBe(true);
  });

  it('is never asked of a build that writes --output (the files are wanted whatever the registry holds)', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'uai-out-'));
    const builder = nativeBuilder({ env: {}, root, output: `oci:${path.join(root, 'layout')}` });
    // No registry at reg.example: asking it would fail, not answer undefined at once.
    expect(await builder.upToDate!(plan, digest('l'), ctx)).toBeUndefined();
    await builder.dispose();
  });
});

describe('TagDigests.askAround', () => {
  it('asks a few tags before the login where the registry is known, and stops them when the login fails', async () => {
    const signals: AbortSignal[] = [];
    const fake = {
      knowsLogin: () => true,
      clientFor: () => ({
        manifestDigest: (_repository: string, _tag: string, signal: AbortSignal) => {
          signals.push(signal);
          return new Promise<string>(() => {});
        },
      }),
    } as unknown as NativeSession;
    const plans = Array.from({ length: 10 }, (_, i) => ({ ...plan, name: `m${i}`, imageRef: `reg.example/ns/m${i}:v1` }));
    const tags = new TagDigests(fake);
    const failed = tags.askAround(() => Promise.reject(new Error('wrong password')), plans, ctx.signal);
    await expect(failed).rejects.toThrow('wrong password');
    expect(signals.length).toBeGreaterThan(0);
    expect(signals.length).toBeLessThan(plans.length);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });
});
