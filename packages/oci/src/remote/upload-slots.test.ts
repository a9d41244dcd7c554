import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import { bigBlobBytes, UploadSlots } from './upload-slots.js';

describe('UploadSlots', () => {
  it('lets `limit` holders in at once and wakes the next when one gives its slot back', async () => {
    const slots = new UploadSlots(2);
    const first = await slots.acquire();
    const second = await slots.acquire();
    let third = false;
    const waiting = slots.acquire().then((release) => {
      third = true;
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(third).toBe(false);
    first();
    first(); // twice is harmless: it must not free a slot nobody holds
    await waiting;
    expect(third).toBe(true);
    let fourth = false;
    void slots.acquire().then(() => (fourth = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fourth).toBe(false);
    second();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(fourth).toBe(true);
  });

  it('stops waiting when the run is stopped', async () => {
    const slots = new UploadSlots(1);
    await slots.acquire();
    const stop = new AbortController();
    const waiting = slots.acquire(stop.signal);
    stop.abort(new Error('interrupted'));
    await expect(waiting).rejects.toThrow('interrupted');
  });
});

/**
 * A registry that takes monolithic uploads and answers a PUT only after `hold` resolves, as a registry
 * answers only once it has committed (fsynced) the blob. Records when each body starts and ends.
 */
function holdingRegistry(hold: () => Promise<void>, failFirstPut = false) {
  const events: string[] = [];
  let failing = failFirstPut;
  let uploads = 0;
  const server = http.createServer((request, response) => {
    const url = new URL(request.url!, 'http://x');
    if (request.method === 'GET' && url.pathname === '/v2/') return response.writeHead(200).end();
    if (request.method === 'HEAD') return response.writeHead(404).end();
    if (request.method === 'POST') {
      const id = ++uploads;
      return response.writeHead(202, { location: `/v2/ns/app/blobs/uploads/${id}`, 'content-length': '0' }).end();
    }
    if (request.method === 'PUT') {
      const id = url.pathname.split('/').pop();
      const hash = createHash('sha256');
      let started = false;
      request.on('data', (chunk: Buffer) => {
        if (!started) events.push(`body ${id} starts`);
        started = true;
        hash.update(chunk);
      });
      request.on('end', async () => {
        events.push(`body ${id} ends`);
        if (failing) {
          failing = false;
          events.push(`answer ${id}: 500`);
          return response.writeHead(500, { 'content-length': '0' }).end();
        }
        await hold();
        events.push(`answer ${id}`);
        response.writeHead(201, { 'docker-content-digest': `sha256:${hash.digest('hex')}`, 'content-length': '0' }).end();
      });
      return undefined;
    }
    return response.writeHead(405).end();
  });
  return { server, events };
}

describe('RegistryClient upload slots', () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  const bigBlob = (fill: number) => {
    const bytes = Buffer.alloc(bigBlobBytes + 1, fill);
    return {
      digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      size: bytes.length,
      open: async function* () {
        for (let at = 0; at < bytes.length; at += 1 << 20) yield bytes.subarray(at, at + (1 << 20));
      },
    };
  };

  it('sends one big body at a time with one slot, and frees the slot when the body is sent, not when the registry answers', async () => {
    // The registry answers an upload only once another body has begun (or after 2 s): were the slot
    // held until the answer, the second body could not begin before it.
    let otherBegan: () => void = () => {};
    const began = new Promise<void>((resolve) => (otherBegan = resolve));
    const registry = holdingRegistry(() => Promise.race([began, new Promise<void>((resolve) => setTimeout(resolve, 2000))]));
    server = registry.server;
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    // What the client reads of each blob, in the same list as what the registry sees.
    const reading = (name: string, blob: ReturnType<typeof bigBlob>) => ({
      ...blob,
      open: async function* () {
        registry.events.push(`read ${name} starts`);
        if (registry.events.filter((e) => e.startsWith('body') && e.endsWith('starts')).length > 0) otherBegan();
        for await (const chunk of blob.open()) yield chunk;
        registry.events.push(`read ${name} ends`);
      },
    });
    const client = new RegistryClient({ host: `127.0.0.1:${port}`, uploads: 1, retry: { retries: 0 } });
    try {
      const results = await Promise.all([client.pushBlob('ns/app', reading('a', bigBlob(1))), client.pushBlob('ns/app', reading('b', bigBlob(2)))]);
      expect(results.map((r) => r.uploaded)).toEqual([true, true]);
    } finally {
      await client.close();
    }
    const reads = registry.events.filter((e) => e.startsWith('read'));
    // One body at a time: the second blob is not read before the first is all read.
    expect([reads[0]!.split(' ')[2], reads[1]!.split(' ')[2], reads[2]!.split(' ')[2], reads[3]!.split(' ')[2]]).toEqual(['starts', 'ends', 'starts', 'ends']);
    expect(reads[0]!.split(' ')[1]).toBe(reads[1]!.split(' ')[1]);
    // The second read began before the registry answered the first upload.
    expect(registry.events.indexOf(reads[2]!)).toBeLessThan(registry.events.findIndex((e) => e.startsWith('answer')));
  });

  it('gives the slot back when an upload fails, so the retry and the next upload still go', async () => {
    const registry = holdingRegistry(async () => {}, true);
    server = registry.server;
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const client = new RegistryClient({ host: `127.0.0.1:${(server.address() as AddressInfo).port}`, uploads: 1, retry: { retries: 2, baseDelayMs: 1 } });
    try {
      const results = await Promise.all([client.pushBlob('ns/app', bigBlob(4)), client.pushBlob('ns/app', bigBlob(5))]);
      expect(results.map((r) => r.uploaded)).toEqual([true, true]);
    } finally {
      await client.close();
    }
    expect(registry.events.filter((e) => e.startsWith('answer'))).toHaveLength(3); // one 500, then both stored
  });

  it('lets small blobs past a big upload that holds the only slot', async () => {
    const registry = holdingRegistry(async () => {});
    server = registry.server;
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const client = new RegistryClient({ host: `127.0.0.1:${(server.address() as AddressInfo).port}`, uploads: 1, retry: { retries: 0 } });
    // A big body that stalls half way (a slow disk) until we say so.
    let goOn: () => void = () => {};
    const stalled = new Promise<void>((resolve) => (goOn = resolve));
    const big = bigBlob(3);
    const slow = {
      ...big,
      open: async function* () {
        let first = true;
        for await (const chunk of big.open()) {
          yield chunk;
          if (first) await stalled;
          first = false;
        }
      },
    };
    try {
      const bigPush = client.pushBlob('ns/app', slow);
      while (!registry.events.includes('body 1 starts')) await new Promise((resolve) => setTimeout(resolve, 5));
      const small = Buffer.from('config');
      const smallPush = await client.pushBlob('ns/app', {
        digest: `sha256:${createHash('sha256').update(small).digest('hex')}`,
        size: small.length,
        open: async function* () {
          yield small;
        },
      });
      expect(smallPush.uploaded).toBe(true);
      expect(registry.events).not.toContain('body 1 ends'); // the big one still holds its slot
      goOn();
      expect((await bigPush).uploaded).toBe(true);
    } finally {
      goOn();
      await client.close();
    }
  });
});
