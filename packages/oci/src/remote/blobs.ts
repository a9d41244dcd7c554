import type { Readable } from 'node:stream';
import { repositoryScopes } from '../authn/registry-auth.js';
import { byteStream } from '../layer/layer.js';
import { kindForStatus, RegistryError } from './errors.js';
import { isRetryableStatus, RetryableStatus } from './retry.js';
import { header } from './answers.js';
import type { Transport } from './transport.js';
import { checkedChunks } from './verify.js';

const redirects = [301, 302, 303, 307, 308];

/** The blob's size when the registry has it. `retry: false` inside an upload attempt, which is retried as a whole. */
export async function blobSize(
  transport: Transport,
  repository: string,
  digest: string,
  signal?: AbortSignal,
  { retry = true }: { retry?: boolean } = {},
): Promise<number | undefined> {
  const response = await transport.send({
    method: 'HEAD',
    url: `/v2/${repository}/blobs/${digest}`,
    scopes: repositoryScopes(repository, false),
    expect: [200, 404],
    what: `checking blob ${digest.slice(0, 19)}`,
    signal,
    retry,
  });
  await response.body.dump();
  return response.status === 200 ? Number(header(response.headers, 'content-length') ?? 0) : undefined;
}

/**
 * A blob's bytes as a stream, checked against its digest (and `size`, when given) as they flow: the
 * stream fails naming the digest, before its last chunk, when the registry sends other bytes; so an
 * upload (or a file) fed from it is never completed with them. Follows a redirect to storage without
 * our credentials.
 */
export async function getBlob(transport: Transport, repository: string, digest: string, signal?: AbortSignal, size?: number): Promise<Readable> {
  const body = await blobBody(transport, repository, digest, signal);
  const mismatch = (found: string) =>
    new RegistryError('digest', `reading blob ${digest} of ${repository} from ${transport.host}: the registry sent other bytes (${found}).`);
  return byteStream(checkedChunks(body, { digest, size }, mismatch));
}

/** The body of a blob's GET, following redirects to storage, unchecked. */
async function blobBody(transport: Transport, repository: string, digest: string, signal?: AbortSignal): Promise<Readable> {
  const response = await transport.send({
    method: 'GET',
    url: `/v2/${repository}/blobs/${digest}`,
    scopes: repositoryScopes(repository, false),
    expect: [200, ...redirects],
    what: `reading blob ${digest.slice(0, 19)}`,
    signal,
  });
  if (response.status === 200) return response.body;
  let location = header(response.headers, 'location');
  await response.body.dump();
  for (let hops = 0; location && hops < 5; hops++) {
    const url = new URL(location, `${transport.base}/`);
    // No Authorization header here: storage URLs carry their own signature, and another host gets nothing of ours.
    const next = await transport.retrying(
      async () => {
        const r = await transport.raw('GET', url.toString(), {}, undefined, signal, `reading blob ${digest.slice(0, 19)}`);
        if (isRetryableStatus(r.status)) {
          await r.body.dump();
          throw new RetryableStatus(r.status);
        }
        return r;
      },
      signal,
      `reading blob ${digest.slice(0, 19)} from ${url.host}`,
    );
    if (next.status === 200) return next.body;
    location = redirects.includes(next.status) ? header(next.headers, 'location') : undefined;
    const text = await next.body.text().catch(() => '');
    if (!location) throw new RegistryError(kindForStatus(next.status), `reading blob ${digest} from ${url.host}: HTTP ${next.status} ${text.slice(0, 200)}`);
  }
  throw new RegistryError('other', `reading blob ${digest}: too many redirects`);
}

/** A small blob (an image config), read whole; checked against its digest by `getBlob` before it is returned. */
export async function getBlobBytes(transport: Transport, repository: string, digest: string, signal?: AbortSignal): Promise<Buffer> {
  const stream = await getBlob(transport, repository, digest, signal);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
