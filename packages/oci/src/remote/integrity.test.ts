// Every manifest and blob read from a registry is checked against its digest before it is used; a
// registry that sends other bytes fails the read naming the digest, and nothing built on them is pushed.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { pushImage } from './push-image.js';
import type { BaseImage } from './read-image.js';

const sha = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const manifestType = 'application/vnd.oci.image.manifest.v1+json';
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: manifestType, config: {}, layers: [] }));
const other = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: manifestType, config: {}, layers: [], moved: true }));

async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RegistryError);
  return error as RegistryError;
}

describe('reads checked against their digest', () => {
  let agent: MockAgent;
  afterEach(async () => agent?.close());

  function registry() {
    agent = new MockAgent();
    agent.disableNetConnect();
    const pool = agent.get('http://127.0.0.1:5000');
    pool.intercept({ path: '/v2/', method: 'GET' }).reply(200, '').persist();
    return { pool, client: new RegistryClient({ host: '127.0.0.1:5000', scheme: 'http', dispatcher: agent, retry: { retries: 0 } }) };
  }

  it('a blob stream fails naming the digest, before the reader has all of its bytes', async () => {
    const { pool, client } = registry();
    const layer = Buffer.alloc(300_000, 1);
    pool.intercept({ path: `/v2/ns/base/blobs/${sha(layer)}`, method: 'GET' }).reply(200, Buffer.alloc(300_000, 2));
    let received = 0;
    const read = async () => {
      for await (const chunk of await client.getBlob('ns/base', sha(layer))) received += (chunk as Buffer).length;
    };
    const error = await failure(read());
    expect(error.kind).toBe('digest');
    expect(error.message).toContain(sha(layer));
    expect(error.message).toContain('the registry sent other bytes');
    expect(received).toBeLessThan(layer.length);
  });

  it('a small blob read whole (an image config) fails naming the digest', async () => {
    const { pool, client } = registry();
    const config = Buffer.from('{"os":"linux"}');
    pool.intercept({ path: `/v2/ns/base/blobs/${sha(config)}`, method: 'GET' }).reply(200, Buffer.from('{"os":"linuX"}'));
    const error = await failure(client.getBlobBytes('ns/base', sha(config)));
    expect([error.kind, error.message.includes(sha(config))]).toEqual(['digest', true]);
  });

  it('a manifest by digest whose bytes hash to another digest fails naming the one asked for', async () => {
    const { pool, client } = registry();
    pool.intercept({ path: `/v2/ns/base/manifests/${sha(manifest)}`, method: 'GET' }).reply(200, other, { headers: { 'content-type': manifestType } });
    const error = await failure(client.getManifest('ns/base', sha(manifest)));
    expect([error.kind, error.message.includes(sha(manifest))]).toEqual(['digest', true]);
  });

  it('a manifest by tag whose Docker-Content-Digest names other bytes fails naming that digest', async () => {
    const { pool, client } = registry();
    pool.intercept({ path: '/v2/ns/base/manifests/v1', method: 'GET' }).reply(200, manifest, { headers: { 'docker-content-digest': sha(other) } });
    const error = await failure(client.getManifest('ns/base', 'v1'));
    expect([error.kind, error.message.includes(sha(other))]).toEqual(['digest', true]);
  });

  it('a manifest by tag whose bytes are not what the registry said the tag holds fails, unless the tag has moved to them', async () => {
    const { pool, client } = registry();
    const head = (digest: string) =>
      pool.intercept({ path: '/v2/ns/app/manifests/v1', method: 'HEAD' }).reply(200, '', { headers: { 'docker-content-digest': digest } });
    const get = (bytes: Buffer) => pool.intercept({ path: '/v2/ns/app/manifests/v1', method: 'GET' }).reply(200, bytes); // no Docker-Content-Digest
    get(manifest); // what the tag holds, as the first look saw it
    expect(await client.manifestDigest('ns/app', 'v1')).toBe(sha(manifest));
    get(other);
    head(sha(manifest)); // asked again: still says the tag holds the first
    const error = await failure(client.getManifest('ns/app', 'v1'));
    expect([error.kind, error.message.includes(sha(manifest))]).toEqual(['digest', true]);
    get(other);
    head(sha(other)); // the tag moved meanwhile: fine
    expect((await client.getManifest('ns/app', 'v1')).digest).toBe(sha(other));
  });

  it('does not take a Docker-Content-Digest that is not a digest: hashes the manifest instead', async () => {
    const { pool, client } = registry();
    pool.intercept({ path: '/v2/ns/app/manifests/v1', method: 'GET' }).reply(200, manifest, { headers: { 'docker-content-digest': 'sha256:not-a-digest' } });
    expect(await client.manifestDigest('ns/app', 'v1')).toBe(sha(manifest));
  });
});

/** A registry on loopback that takes any upload without checking its digest, and serves `served` as blobs. */
function trustingRegistry(served: Map<string, Buffer> = new Map()) {
  const events: string[] = [];
  let received = 0;
  const server = http.createServer((request, response) => {
    const url = new URL(request.url!, 'http://x');
    const done = (status: number, headers: Record<string, string> = {}) => response.writeHead(status, { 'content-length': '0', ...headers }).end();
    if (url.pathname === '/v2/') return done(200);
    const digest = url.pathname.split('/').pop()!;
    if (request.method === 'GET' && served.has(digest)) {
      // In pieces, as a registry streams a layer.
      const bytes = served.get(digest)!;
      response.writeHead(200, { 'content-length': String(bytes.length) });
      for (let at = 0; at < bytes.length; at += 65536) response.write(bytes.subarray(at, at + 65536));
      return response.end();
    }
    if (request.method === 'HEAD') return done(404);
    if (request.method === 'POST') return done(202, { location: '/v2/ns/app/blobs/uploads/u1' });
    request.on('data', (chunk: Buffer) => (received += chunk.length));
    request.on('end', () => {
      // A request whose body was cut short is not taken (a registry checks the Content-Length).
      const what = url.pathname.includes('/manifests/') ? 'manifest' : `blob${url.searchParams.has('digest') ? ` ${url.searchParams.get('digest')}` : ''}`;
      events.push(`${request.method} ${what}${request.complete ? '' : ' (cut short)'}`);
      if (request.method === 'PATCH') return done(202, { location: '/v2/ns/app/blobs/uploads/u1', range: `0-${received - 1}` });
      if (request.method === 'DELETE') return done(204);
      return done(201, url.searchParams.has('digest') ? { 'docker-content-digest': url.searchParams.get('digest')! } : {});
    });
    request.on('error', () => {});
  });
  return { server, events, received: () => received };
}

describe('blobs copied or uploaded with known digests', () => {
  const servers: http.Server[] = [];
  const clients: RegistryClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  async function listen(registry: ReturnType<typeof trustingRegistry>, chunkBytes?: number) {
    servers.push(registry.server);
    await new Promise<void>((resolve) => registry.server.listen(0, '127.0.0.1', resolve));
    const client = new RegistryClient({
      host: `127.0.0.1:${(registry.server.address() as AddressInfo).port}`,
      scheme: 'http',
      chunkBytes,
      retry: { retries: 0 },
    });
    clients.push(client);
    return client;
  }

  it('a base layer copied from a registry that sends other bytes is never completed, and no manifest is pushed', async () => {
    const layer = Buffer.alloc(500_000, 1);
    const source = await listen(trustingRegistry(new Map([[sha(layer), Buffer.alloc(500_000, 9)]])));
    const target = trustingRegistry();
    const targetClient = await listen(target);
    const base = {
      ref: { host: source.host, repository: 'ns/base', tag: 'v1' },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(layer), size: layer.length }],
    } as unknown as BaseImage;
    const push = pushImage({
      target: targetClient,
      baseClient: source,
      repository: 'ns/app',
      tag: 'v1',
      base,
      layers: [],
      compose: () => ({ config: Buffer.from('{}'), manifest: Buffer.from('{}'), manifestMediaType: manifestType }),
    });
    const error = await failure(push);
    expect([error.kind, error.message.includes(sha(layer))]).toEqual(['digest', true]);
    // The PUT carrying the layer never got all of it, so the (trusting) registry completed nothing.
    expect(target.received()).toBeLessThan(layer.length);
    expect(target.events.filter((e) => e === `PUT blob ${sha(layer)}` || e === 'PUT manifest')).toEqual([]);
  });

  it('a chunked upload whose bytes do not hash to the known digest sends no closing PUT', async () => {
    const registry = trustingRegistry();
    const client = await listen(registry, 100_000);
    const claimed = sha(Buffer.alloc(300_000, 1));
    const changed = Buffer.alloc(300_000, 2); // a file that changed since it was hashed
    const error = await failure(
      client.pushBlob('ns/app', {
        digest: claimed,
        size: changed.length,
        open: async function* () {
          yield changed;
        },
      }),
    );
    expect([error.kind, error.message.includes(claimed)]).toEqual(['digest', true]);
    expect(registry.events).toEqual(['PATCH blob', 'PATCH blob', 'PATCH blob', 'DELETE blob']); // no closing PUT
  });
});
