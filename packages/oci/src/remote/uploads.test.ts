// Cross-repository mounts of base layers: one request when the registry takes the mount; when it opens
// an upload instead (some registries ignore mounts), a HEAD before any byte of a layer that may be GBs.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';

const layer = Buffer.from('a base layer\n');
const digest = `sha256:${createHash('sha256').update(layer).digest('hex')}`;

/**
 * A registry on loopback that logs each request; `mounts` says whether it takes them, `has` whether
 * ns/app holds the layer, `failPut` and `failDelete` make those answer 500.
 */
function fakeRegistry(options: { mounts: boolean; has: boolean; failPut?: boolean; failDelete?: boolean; holdHeadUntilPost?: boolean }) {
  const { mounts, has, failPut = false, failDelete = false } = options;
  const requests: string[] = [];
  let received = 0;
  // With holdHeadUntilPost, a HEAD is answered only once a POST has come: a client that waits for the
  // HEAD's answer before it opens the session would wait for ever.
  let answerHead: (() => void) | undefined;
  const server = http.createServer((request, response) => {
    const url = new URL(request.url!, 'http://x');
    request.on('data', (chunk: Buffer) => (received += chunk.length));
    request.on('end', () => {
      if (url.pathname !== '/v2/') requests.push(`${request.method} ${url.pathname}${url.searchParams.has('mount') ? ' mount' : ''}`);
      if (request.method === 'GET' && url.pathname === '/v2/') return response.writeHead(200).end();
      if (request.method === 'HEAD') {
        const answer = () => response.writeHead(has ? 200 : 404, { 'content-length': String(layer.length) }).end();
        if (!options.holdHeadUntilPost || requests.some((line) => line.startsWith('POST'))) answer();
        else answerHead = answer;
        return;
      }
      if (request.method === 'POST' && answerHead) {
        const answer = answerHead;
        answerHead = undefined;
        setImmediate(answer);
      }
      if (request.method === 'POST' && url.searchParams.has('mount') && mounts) {
        return response.writeHead(201, { 'docker-content-digest': digest, 'content-length': '0' }).end();
      }
      if (request.method === 'POST') return response.writeHead(202, { location: '/v2/ns/app/blobs/uploads/u1?_state=s', 'content-length': '0' }).end();
      if (request.method === 'DELETE') return response.writeHead(failDelete ? 500 : 204).end();
      if (request.method === 'PUT' && failPut) return response.writeHead(500, { 'content-length': '0' }).end();
      if (request.method === 'PUT') return response.writeHead(201, { 'docker-content-digest': digest, 'content-length': '0' }).end();
      return response.writeHead(405).end();
    });
  });
  return { server, requests, received: () => received };
}

describe('RegistryClient mounts', () => {
  let server: http.Server | undefined;
  let client: RegistryClient | undefined;
  afterEach(async () => {
    await client?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  async function push(registry: ReturnType<typeof fakeRegistry>, options: { skipExisting?: boolean; probablyNew?: boolean; mountFrom?: string } = {}) {
    server = registry.server;
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    client = new RegistryClient({ host: `127.0.0.1:${(server.address() as AddressInfo).port}`, retry: { retries: 0 } });
    return client.pushBlob(
      'ns/app',
      {
        digest,
        size: layer.length,
        open: async function* () {
          yield layer;
        },
      },
      { mountFrom: 'uaishare/base', ...options },
    );
  }

  it('mounts in one request, without asking first', async () => {
    const registry = fakeRegistry({ mounts: true, has: false });
    expect(await push(registry)).toEqual({ digest, uploaded: false, mounted: true });
    expect(registry.requests).toEqual(['POST /v2/ns/app/blobs/uploads/ mount']);
  });

  it('when the mount is refused and the repository has the layer, sends no byte and closes the session', async () => {
    const registry = fakeRegistry({ mounts: false, has: true });
    expect(await push(registry)).toEqual({ digest, uploaded: false, mounted: false });
    expect(registry.requests).toEqual(['POST /v2/ns/app/blobs/uploads/ mount', `HEAD /v2/ns/app/blobs/${digest}`, 'DELETE /v2/ns/app/blobs/uploads/u1']);
    expect(registry.received()).toBe(0);
  });

  it('when the mount is refused and the repository lacks the layer, uploads it into the session opened', async () => {
    const registry = fakeRegistry({ mounts: false, has: false });
    expect(await push(registry)).toEqual({ digest, uploaded: true, mounted: false });
    expect(registry.requests).toEqual(['POST /v2/ns/app/blobs/uploads/ mount', `HEAD /v2/ns/app/blobs/${digest}`, 'PUT /v2/ns/app/blobs/uploads/u1']);
    expect(registry.received()).toBe(layer.length);
  });

  it('still skips the upload when closing the unused session fails (the registry expires it)', async () => {
    const registry = fakeRegistry({ mounts: false, has: true, failDelete: true });
    expect(await push(registry)).toEqual({ digest, uploaded: false, mounted: false });
    expect(registry.received()).toBe(0);
  });

  it("with skipExisting: false, uploads into the refused mount's session without asking", async () => {
    const registry = fakeRegistry({ mounts: false, has: true });
    expect(await push(registry, { skipExisting: false })).toEqual({ digest, uploaded: true, mounted: false });
    expect(registry.requests).toEqual(['POST /v2/ns/app/blobs/uploads/ mount', 'PUT /v2/ns/app/blobs/uploads/u1']);
  });

  it('closes the session of an upload that failed, so a retry leaves none behind', async () => {
    const registry = fakeRegistry({ mounts: false, has: false, failPut: true });
    await expect(push(registry)).rejects.toThrow();
    expect(registry.requests).toEqual([
      'POST /v2/ns/app/blobs/uploads/ mount',
      `HEAD /v2/ns/app/blobs/${digest}`,
      'PUT /v2/ns/app/blobs/uploads/u1',
      'DELETE /v2/ns/app/blobs/uploads/u1',
    ]);
  });

  it('asks about a blob that is probably new (a first push to its tag) with the POST, not before it', async () => {
    const registry = fakeRegistry({ mounts: false, has: false, holdHeadUntilPost: true });
    expect(await push(registry, { mountFrom: undefined, probablyNew: true })).toEqual({ digest, uploaded: true, mounted: false });
    expect(registry.requests.slice().sort()).toEqual([`HEAD /v2/ns/app/blobs/${digest}`, 'POST /v2/ns/app/blobs/uploads/', 'PUT /v2/ns/app/blobs/uploads/u1']);
  });

  it('closes the session it opened for a probably new blob the repository has, sending no byte', async () => {
    const registry = fakeRegistry({ mounts: false, has: true });
    expect(await push(registry, { mountFrom: undefined, probablyNew: true })).toEqual({ digest, uploaded: false, mounted: false });
    expect(registry.requests.at(-1)).toBe('DELETE /v2/ns/app/blobs/uploads/u1');
    expect(registry.received()).toBe(0);
  });

  it('asks first about a blob that is probably there, and opens no session when it is', async () => {
    const registry = fakeRegistry({ mounts: false, has: true });
    expect(await push(registry, { mountFrom: undefined })).toEqual({ digest, uploaded: false, mounted: false });
    expect(registry.requests).toEqual([`HEAD /v2/ns/app/blobs/${digest}`]);
  });
});
