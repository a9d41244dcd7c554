// Chunked uploads against a small registry on loopback that keeps what it receives, as distribution
// does: a PATCH cut short keeps the bytes that arrived, `GET` on the session says where it stands.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';

const sha = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

interface StubOptions {
  /** `OCI-Chunk-Min-Length` in the POST's answer. */
  minChunk?: number;
  /** Answer 416 to a PATCH whose Content-Range does not start where the upload stands. @default true */
  checkRange?: boolean;
  /** The n-th PATCH (from 1): cut its connection once this many bytes of it arrived (kept). */
  resetPatch?: { index: number; after: number };
  /** Once the n-th PATCH is answered, drop its upload's bytes back to `to` (a registry that lost some). */
  truncate?: { index: number; to: number };
  /** Every PATCH answers this status (a registry that takes no chunks). */
  refusePatch?: number;
  /** PATCHes are answered 202 without a Location. */
  noLocation?: boolean;
  /** A request body longer than this is answered 413, as a proxy with a body limit does. */
  maxBody?: number;
}

/** A registry on loopback: uploads by POST, PATCH (Content-Range), GET (status), PUT (?digest=, checked). */
function stubRegistry(options: StubOptions = {}) {
  const requests: string[] = [];
  const uploads = new Map<string, Buffer[]>();
  const blobs = new Map<string, Buffer>();
  const patchSizes: number[] = [];
  let bodyBytes = 0;
  let tooBig = 0;
  let patches = 0;
  let ids = 0;
  const size = (id: string) => uploads.get(id)!.reduce((n, b) => n + b.length, 0);
  const answer = (response: http.ServerResponse, status: number, headers: Record<string, string> = {}) =>
    response.writeHead(status, { 'content-length': '0', ...headers }).end();
  const at = (id: string) => ({ location: `/v2/ns/app/blobs/uploads/${id}`, range: `0-${Math.max(0, size(id) - 1)}` });
  const server = http.createServer((request, response) => {
    const url = new URL(request.url!, 'http://x');
    const id = url.pathname.split('/uploads/')[1] ?? '';
    const method = request.method!;
    if (url.pathname !== '/v2/') requests.push(`${method} ${url.pathname.replace(/sha256:[0-9a-f]+/, 'sha256:…')}`);
    if (url.pathname === '/v2/') return answer(response, 200);
    if (method === 'HEAD') return answer(response, blobs.has(url.pathname.split('/').pop()!) ? 200 : 404);
    if (method === 'POST') {
      uploads.set(String(++ids), []);
      return answer(response, 202, {
        location: `/v2/ns/app/blobs/uploads/${ids}`,
        ...(options.minChunk ? { 'oci-chunk-min-length': String(options.minChunk) } : {}),
      });
    }
    if (!uploads.has(id)) return answer(response, 404);
    if (method === 'GET') return answer(response, 204, at(id));
    if (method === 'DELETE') return answer(response, 204);
    if (options.maxBody !== undefined && Number(request.headers['content-length']) > options.maxBody) {
      tooBig++;
      return request.resume().on('end', () => answer(response, 413));
    }
    const index = method === 'PATCH' ? ++patches : 0;
    if (method === 'PATCH' && options.refusePatch) return request.resume().on('end', () => answer(response, options.refusePatch!));
    const start = Number(/^(\d+)-/.exec(String(request.headers['content-range']))?.[1] ?? -1);
    if (method === 'PATCH' && options.checkRange !== false && start !== size(id)) return request.resume().on('end', () => answer(response, 416, at(id)));
    const cut = options.resetPatch?.index === index ? options.resetPatch.after : Number.POSITIVE_INFINITY;
    let received = 0;
    request.on('data', (chunk: Buffer) => {
      const kept = chunk.subarray(0, Math.max(0, cut - received));
      received += chunk.length;
      bodyBytes += chunk.length;
      uploads.get(id)!.push(Buffer.from(kept));
      if (received >= cut) request.socket.destroy();
    });
    request.on('end', () => {
      if (method === 'PATCH') {
        patchSizes.push(received);
        answer(response, 202, options.noLocation ? { range: at(id).range } : at(id));
        if (options.truncate?.index === index) uploads.set(id, [Buffer.concat(uploads.get(id)!).subarray(0, options.truncate.to)]);
        return;
      }
      const bytes = Buffer.concat(uploads.get(id)!);
      const digest = url.searchParams.get('digest')!;
      if (sha(bytes) !== digest) return answer(response, 400);
      blobs.set(digest, bytes);
      uploads.delete(id);
      return answer(response, 201, { 'docker-content-digest': digest });
    });
  });
  return { server, requests, blobs, patchSizes, bodyBytes: () => bodyBytes, tooBig: () => tooBig };
}

/** Deterministic bytes that differ at every offset that matters (a resume from a wrong offset shows). */
function blobOf(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) bytes.writeUInt32LE(i, i);
  return bytes;
}

/** A source in 64 KiB pieces, recording where each open started. */
function source(bytes: Buffer, { digest = true, seekable = true } = {}) {
  const opens: number[] = [];
  const from = async function* (start: number) {
    opens.push(start);
    for (let at = start; at < bytes.length; at += 65536) yield bytes.subarray(at, Math.min(bytes.length, at + 65536));
  };
  return {
    opens,
    blob: { digest: digest ? sha(bytes) : undefined, size: bytes.length, open: () => from(0), ...(seekable ? { openFrom: from } : {}) },
  };
}

describe('chunked uploads', () => {
  let server: http.Server | undefined;
  let client: RegistryClient | undefined;
  afterEach(async () => {
    await client?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = client = undefined;
  });

  async function start(registry: ReturnType<typeof stubRegistry>, chunkBytes: number) {
    server = registry.server;
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    client = new RegistryClient({
      host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
      scheme: 'http',
      chunkBytes,
      retry: { retries: 3, baseDelayMs: 1 },
    });
    return client;
  }

  it('sends a blob under the chunk size in one PUT with ?digest=, and a bigger one in PATCHes of the chunk size', async () => {
    const registry = stubRegistry();
    const client = await start(registry, 256 * 1024);
    const small = blobOf(200 * 1024);
    expect((await client.pushBlob('ns/app', source(small).blob)).digest).toBe(sha(small));
    expect(registry.requests).toEqual(['HEAD /v2/ns/app/blobs/sha256:…', 'POST /v2/ns/app/blobs/uploads/', 'PUT /v2/ns/app/blobs/uploads/1']);
    const big = blobOf(700 * 1024);
    expect((await client.pushBlob('ns/app', source(big).blob)).digest).toBe(sha(big));
    expect(registry.patchSizes).toEqual([256 * 1024, 256 * 1024, 188 * 1024]);
    expect(registry.blobs.get(sha(big))?.equals(big)).toBe(true);
  });

  it("honours the registry's OCI-Chunk-Min-Length when it is more than the client's chunk size", async () => {
    const registry = stubRegistry({ minChunk: 300 * 1024 });
    const client = await start(registry, 100 * 1024);
    const big = blobOf(700 * 1024);
    expect((await client.pushBlob('ns/app', source(big, { digest: false }).blob)).digest).toBe(sha(big));
    expect(registry.patchSizes).toEqual([300 * 1024, 300 * 1024, 100 * 1024]);
  });

  it('answers a 416 by asking where the upload stands, and resumes at the Range the registry confirms', async () => {
    // After the first chunk the registry keeps only 100 KiB of it: our next PATCH (at 256 KiB) gets a 416.
    const registry = stubRegistry({ truncate: { index: 1, to: 100 * 1024 } });
    const client = await start(registry, 256 * 1024);
    const big = blobOf(600 * 1024);
    // Hashed on the way: the digest must come out right although the registry lost bytes we hashed.
    const result = await client.pushBlob('ns/app', source(big, { digest: false }).blob);
    expect(result.digest).toBe(sha(big));
    expect(registry.blobs.get(sha(big))?.equals(big)).toBe(true);
    expect(registry.requests.slice(1, 5)).toEqual([
      'PATCH /v2/ns/app/blobs/uploads/1',
      'PATCH /v2/ns/app/blobs/uploads/1',
      'GET /v2/ns/app/blobs/uploads/1',
      'PATCH /v2/ns/app/blobs/uploads/1',
    ]);
    expect(registry.patchSizes).toEqual([256 * 1024, 256 * 1024, 600 * 1024 - 356 * 1024]);
  });

  it.each([
    { seekable: true, known: true },
    { seekable: false, known: false },
  ])(
    'after a reset mid-chunk, resumes from the offset the registry confirms, not from 0 (openFrom: $seekable, digest known: $known)',
    async ({ seekable, known }) => {
      const chunk = 1024 * 1024;
      const registry = stubRegistry({ resetPatch: { index: 3, after: 600 * 1024 } });
      const client = await start(registry, chunk);
      const big = blobOf(4 * chunk + 12345);
      const { blob, opens } = source(big, { digest: known, seekable });
      const result = await client.pushBlob('ns/app', blob);
      expect(result.digest).toBe(sha(big));
      expect(registry.blobs.get(sha(big))?.equals(big)).toBe(true);
      expect(registry.requests.filter((r) => r.startsWith('POST'))).toHaveLength(1); // the same session throughout
      expect(registry.requests).toContain('GET /v2/ns/app/blobs/uploads/1');
      // The registry received each byte about once: well under 1.5x the blob.
      expect(registry.bodyBytes()).toBeLessThan(1.1 * big.length);
      // A source that can seek is opened again near the confirmed offset, not at 0.
      if (seekable) expect(opens.slice(1).every((at) => at >= 2 * chunk)).toBe(true);
    },
  );

  it.each([
    { name: 'a 405 on PATCH', options: { refusePatch: 405 } },
    { name: 'a PATCH answered without Location', options: { noLocation: true } },
  ])('gives a registry that refuses chunks ($name) one monolithic PUT, and remembers it', async ({ options }) => {
    const registry = stubRegistry(options);
    const client = await start(registry, 256 * 1024);
    const big = blobOf(700 * 1024);
    expect((await client.pushBlob('ns/app', source(big).blob)).digest).toBe(sha(big));
    expect(registry.blobs.get(sha(big))?.equals(big)).toBe(true);
    expect(registry.requests.slice(-2)).toEqual(['POST /v2/ns/app/blobs/uploads/', 'PUT /v2/ns/app/blobs/uploads/2']);
    // The next big blob, of unknown digest, goes up in one PUT at once (hashed first).
    registry.requests.length = 0;
    const other = blobOf(800 * 1024).fill(7, 0, 10);
    expect((await client.pushBlob('ns/app', source(other, { digest: false }).blob)).digest).toBe(sha(other));
    expect(registry.requests).toEqual(['POST /v2/ns/app/blobs/uploads/', 'PUT /v2/ns/app/blobs/uploads/3']);
  });

  it('halves a chunk answered 413 (a proxy with a body limit), and starts the next upload at the smaller size', async () => {
    const mib = 1024 * 1024;
    const registry = stubRegistry({ maxBody: 5 * mib });
    const client = await start(registry, 8 * mib);
    for (const fill of [1, 2]) {
      const big = blobOf(7 * mib).fill(fill, 0, 8);
      expect((await client.pushBlob('ns/app', source(big, { digest: false }).blob)).digest).toBe(sha(big));
      expect(registry.blobs.get(sha(big))?.equals(big)).toBe(true);
    }
    expect(registry.patchSizes).toEqual([4 * mib, 3 * mib, 4 * mib, 3 * mib]);
    expect(registry.tooBig()).toBe(1);
  });

  it('sends a blob the registry refuses whole (413) again in chunks of half its size', async () => {
    const mib = 1024 * 1024;
    const registry = stubRegistry({ maxBody: 5 * mib });
    const client = await start(registry, 8 * mib);
    const whole = blobOf(6 * mib);
    expect((await client.pushBlob('ns/app', source(whole).blob)).digest).toBe(sha(whole));
    expect(registry.patchSizes).toEqual([3 * mib, 3 * mib]);
    expect(registry.tooBig()).toBe(1);
  });
});
