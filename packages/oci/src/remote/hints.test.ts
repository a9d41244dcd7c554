// A registry's hint (what an earlier run learnt: it takes our Basic credentials, over this scheme): the
// first requests go at once instead of after a ping, a hint that turned false is followed to what the
// registry wants now, and no hint sends credentials anywhere they would not go after a ping.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryHints, type RegistryHint } from '../cache/registry-hints.js';
import { RegistryClient } from './client.js';
import { Transport } from './transport.js';

const servers: http.Server[] = [];
const clients: RegistryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const basic = `Basic ${Buffer.from('uai:pw').toString('base64')}`;
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [] }));
const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;

/** A plain-http registry on 127.0.0.1 holding ns/m:v1, behind Basic auth, or behind a token (`bearer`). */
async function registry(auth: 'basic' | 'bearer') {
  const requests: { line: string; authorization?: string }[] = [];
  const listener = http.createServer((req, res) => {
    requests.push({ line: `${req.method} ${req.url}`, authorization: req.headers.authorization });
    if (req.url?.startsWith('/token')) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t0ken"}');
    const wanted = auth === 'basic' ? basic : 'Bearer t0ken';
    if (req.headers.authorization !== wanted) {
      const challenge = auth === 'basic' ? 'Basic realm="test"' : `Bearer realm="http://${host}/token",service="test"`;
      return res.writeHead(401, { 'www-authenticate': challenge }).end();
    }
    if (req.url === '/v2/') return res.writeHead(200).end('{}');
    if (req.url === '/v2/ns/m/manifests/v1') {
      const headers = { 'docker-content-digest': manifestDigest, 'content-type': 'application/vnd.oci.image.manifest.v1+json' };
      return res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : manifest);
    }
    return res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  servers.push(listener);
  const host = `127.0.0.1:${(listener.address() as AddressInfo).port}`;
  return { host, requests };
}

function client(host: string, hint?: RegistryHint): RegistryClient {
  const made = new RegistryClient({
    host,
    certsDir: '/nonexistent',
    credential: async () => ({ username: 'uai', password: 'pw' }),
    retry: { retries: 0 },
    connectionsAtPing: 1,
    hint,
  });
  clients.push(made);
  return made;
}

const manifestReads = (requests: { line: string }[]) => requests.filter((request) => request.line.startsWith('HEAD ') || /manifests/.test(request.line));

describe('a registry hint', () => {
  it('sends the first request at once, with the Basic credentials, over the scheme it names', async () => {
    const server = await registry('basic');
    const digest = await client(server.host, { scheme: 'http', auth: 'basic' }).manifestDigest('ns/m', 'v1');
    expect(digest).toBe(manifestDigest);
    expect(server.requests).toEqual([{ line: expect.stringMatching(/^(HEAD|GET) \/v2\/ns\/m\/manifests\/v1$/), authorization: basic }]);
  });

  it('without one, pings first; the ping is what the next run remembers', async () => {
    const server = await registry('basic');
    const fresh = client(server.host);
    await fresh.login();
    await fresh.manifestDigest('ns/m', 'v1');
    expect(server.requests[0]!.line).toBe('GET /v2/');
    expect(manifestReads(server.requests)).toHaveLength(1);
    expect(fresh.learnt).toEqual({ hint: { scheme: 'http', auth: 'basic' } });
  });

  it('follows a registry that wants a token now, and leaves nothing to remember, pinged or not', async () => {
    const server = await registry('bearer');
    const stale = client(server.host, { scheme: 'http', auth: 'basic' });
    expect(await stale.manifestDigest('ns/m', 'v1')).toBe(manifestDigest);
    expect(stale.learnt).toEqual({}); // a registry only read from (a base image's) is never pinged
    await stale.login();
    expect(stale.learnt).toEqual({});
  });

  it('a registry on this machine that now speaks the other scheme: asked again without the hint, which is learnt anew', async () => {
    const server = await registry('basic');
    const stale = client(server.host, { scheme: 'https', auth: 'basic' });
    expect(await stale.manifestDigest('ns/m', 'v1')).toBe(manifestDigest);
    await stale.login();
    expect(stale.learnt).toEqual({ hint: { scheme: 'http', auth: 'basic' } });
  });

  it('never names plain http for another machine, in memory or in the file', () => {
    const transport = new Transport({ host: 'registry.example:5000', hint: { scheme: 'http', auth: 'basic' } });
    expect(transport.base).toBe('https://registry.example:5000');
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'uai-hints-')), 'hints.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        registries: {
          'registry.example:5000': { scheme: 'http', auth: 'basic' },
          'uhub.service.ucloud.cn': { scheme: 'https', auth: 'bearer', realm: 'https://elsewhere.example/token' },
          '127.0.0.1:5000': { scheme: 'http', auth: 'basic' },
        },
      }),
    );
    const hints = new RegistryHints(file);
    expect(hints.get('registry.example:5000')).toBeUndefined();
    expect(hints.get('uhub.service.ucloud.cn')).toBeUndefined();
    expect(hints.get('127.0.0.1:5000')).toEqual({ scheme: 'http', auth: 'basic' });
  });

  it('is written when a run learnt it, and dropped when a run learnt otherwise', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'uai-hints-')), 'hints.json');
    const first = new RegistryHints(file);
    first.learnt('uhub.example', { scheme: 'https', auth: 'basic' });
    await first.save();
    expect(new RegistryHints(file).get('uhub.example')).toEqual({ scheme: 'https', auth: 'basic' });
    const second = new RegistryHints(file);
    second.learnt('uhub.example', undefined);
    await second.save();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, registries: {} });
  });

  it('keeps what another run wrote meanwhile', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'uai-hints-')), 'hints.json');
    const [one, other] = [new RegistryHints(file), new RegistryHints(file)];
    one.learnt('a.example', { scheme: 'https', auth: 'basic' });
    other.learnt('b.example', { scheme: 'https', auth: 'basic' });
    await one.save();
    await other.save();
    const read = new RegistryHints(file);
    expect([read.get('a.example'), read.get('b.example')]).toEqual([
      { scheme: 'https', auth: 'basic' },
      { scheme: 'https', auth: 'basic' },
    ]);
  });
});
