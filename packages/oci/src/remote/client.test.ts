import { createHash } from 'node:crypto';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';

const blob = Buffer.from('hello');
const digest = 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';

describe('RegistryClient credentials and origins', () => {
  let agent: MockAgent;
  afterEach(async () => agent?.close());

  function registry(challenge: string) {
    agent = new MockAgent();
    agent.disableNetConnect();
    const secure = agent.get('https://reg.example.com');
    secure
      .intercept({ path: '/v2/', method: 'GET' })
      .reply(401, '', { headers: { 'www-authenticate': challenge } })
      .persist();
    secure
      .intercept({ path: (p) => p.startsWith('/v2/ns/app/blobs/sha256:'), method: 'HEAD' })
      .reply(404, '')
      .persist();
    secure
      .intercept({ path: '/v2/ns/app/blobs/uploads/', method: 'POST' })
      .reply(202, '', { headers: { location: 'http://reg.example.com/v2/ns/app/blobs/uploads/abc' } })
      .persist();
    // What reaches the plain-http side of the same host, with its Authorization header.
    const seen: (string | undefined)[] = [];
    agent
      .get('http://reg.example.com')
      .intercept({ path: (p) => p.startsWith('/v2/ns/app/blobs/uploads/abc'), method: 'PUT' })
      .reply((options) => {
        const headers = options.headers as Record<string, string>;
        seen.push(headers.authorization ?? headers.Authorization);
        return { statusCode: 201, data: '', responseOptions: { headers: { 'docker-content-digest': digest } } };
      })
      .persist();
    return seen;
  }

  it('refuses an upload Location that downgrades https to http on the same host (Basic)', async () => {
    const seen = registry('Basic realm="r"');
    const client = new RegistryClient({
      host: 'reg.example.com',
      credential: async () => ({ username: 'u', password: 'secret' }),
      dispatcher: agent,
      retry: { retries: 1, baseDelayMs: 1 },
    });
    const error = await client
      .pushBlob('ns/app', {
        digest,
        size: blob.length,
        open: async function* () {
          yield blob;
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).kind).toBe('insecure');
    expect((error as Error).message).toMatch(/http:\/\/reg\.example\.com.*refusing to send credentials/);
    expect(seen).toEqual([]);
  });

  it('refuses it with a bearer token too', async () => {
    const seen = registry('Bearer realm="https://auth.example.com/token",service="reg"');
    agent
      .get('https://auth.example.com')
      .intercept({ path: (p) => p.startsWith('/token'), method: 'GET' })
      .reply(200, JSON.stringify({ token: 'tok', expires_in: 300 }))
      .persist();
    const client = new RegistryClient({
      host: 'reg.example.com',
      credential: async () => ({ username: 'u', password: 'secret' }),
      dispatcher: agent,
      retry: { retries: 1, baseDelayMs: 1 },
    });
    const error = await client
      .pushBlob('ns/app', {
        digest,
        size: blob.length,
        open: async function* () {
          yield blob;
        },
      })
      .catch((e: unknown) => e);
    expect((error as RegistryError).kind).toBe('insecure');
    expect(seen).toEqual([]);
  });

  it('never sends Basic credentials to a plain-http registry that is not this machine', async () => {
    agent = new MockAgent();
    agent.disableNetConnect();
    const plain = agent.get('http://reg.example.com');
    plain
      .intercept({ path: '/v2/', method: 'GET' })
      .reply(401, '', { headers: { 'www-authenticate': 'Basic realm="r"' } })
      .persist();
    const client = new RegistryClient({
      host: 'reg.example.com',
      scheme: 'http',
      credential: async () => ({ username: 'u', password: 'p' }),
      dispatcher: agent,
    });
    await expect(client.login()).rejects.toMatchObject({ kind: 'insecure' });
  });
});

describe('RegistryClient.manifestDigest', () => {
  let agent: MockAgent;
  afterEach(async () => agent?.close());

  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }));
  const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;

  function registry(headAnswer: { status: number; digestHeader?: string }) {
    agent = new MockAgent();
    agent.disableNetConnect();
    const pool = agent.get('https://reg.example.com');
    pool.intercept({ path: '/v2/', method: 'GET' }).reply(200, '').persist();
    // The tag is asked for with a GET (undici closes the connection after a HEAD).
    const headers = {
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
      ...(headAnswer.digestHeader ? { 'docker-content-digest': headAnswer.digestHeader } : {}),
    };
    pool
      .intercept({ path: '/v2/ns/app/manifests/v1', method: 'GET' })
      .reply(headAnswer.status, headAnswer.status === 200 ? manifest : '{"errors":[]}', { headers });
    return new RegistryClient({ host: 'reg.example.com', dispatcher: agent, retry: { retries: 0 } });
  }

  it('is undefined only when the registry has no such tag', async () => {
    expect(await registry({ status: 404 }).manifestDigest('ns/app', 'v1')).toBeUndefined();
  });

  it("takes the registry's Docker-Content-Digest, or hashes the manifest when the header is missing", async () => {
    expect(await registry({ status: 200, digestHeader: manifestDigest }).manifestDigest('ns/app', 'v1')).toBe(manifestDigest);
    expect(await registry({ status: 200 }).manifestDigest('ns/app', 'v1')).toBe(manifestDigest);
  });
});
