// Credentials never go to a token realm over plain http on another machine (RegistryAuth's
// checkTransport): a registry on this machine (loopback, so plain http is allowed for it) whose 401
// names an `http://<not loopback>` realm gets a RegistryError of kind 'insecure', and the realm never
// sees the Basic credentials or the refresh token. Real servers, real sockets: the realm is served on
// this machine's own non-loopback address when it has one (so a request sent there would arrive and be
// seen), and `example.invalid` otherwise.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../remote/client.js';
import { RegistryError } from '../remote/errors.js';
import type { Credential } from './credentials.js';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

interface Server {
  /** `host:port` as a URL names it. */
  host: string;
  seen: Seen[];
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** An http server on `address` that records every request (Authorization header and body included). */
async function serve(address: string, answer: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void): Promise<Server> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      answer(req, res, body);
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, address, resolve));
  const { port } = server.address() as AddressInfo;
  const result = {
    host: `${address.includes(':') ? `[${address}]` : address}:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(result);
  return result;
}

/** A token server: a token for anyone (what it is given is what the test looks at). */
const tokenServer = (address: string) =>
  serve(address, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'registry-token', expires_in: 300 }));
  });

/** A registry on 127.0.0.1 that wants a Bearer token from `realm`, and takes any token. */
const registry = (realm: string) =>
  serve('127.0.0.1', (req, res) => {
    if (!req.headers.authorization?.startsWith('Bearer ')) {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="registry.test"` }).end();
    } else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });

/** This machine's first non-internal IPv4 address (a plain-http realm there is not loopback), if it has one. */
function nonLoopbackAddress(): string | undefined {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal && !address.address.startsWith('127.')) return address.address;
  }
  return undefined;
}

const external = nonLoopbackAddress();
const password: Credential = { username: 'someone', password: 'pa55-w0rd-Secret' };
const refresh: Credential = { username: '<token>', password: '', identityToken: 'refresh-token-Secret' };

async function login(host: string, credential: Credential | undefined): Promise<unknown> {
  // One connection at the ping: the registry's requests are counted (the warm-up is tested in transport.test.ts).
  const client = new RegistryClient({ host, scheme: 'http', credential: async () => credential, retry: { retries: 0 }, connectionsAtPing: 1 });
  try {
    await client.login();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await client.close();
  }
}

function expectInsecure(error: unknown, realmHost: string) {
  expect(error).toBeInstanceOf(RegistryError);
  expect(error).toMatchObject({ kind: 'insecure', message: `Refusing to send credentials over plain http to ${realmHost}. Use https for this registry.` });
}

describe.skipIf(!external)(`a plain-http token realm on this machine's own address (${external})`, () => {
  it.each([
    { what: 'Basic credentials (user and password)', credential: password },
    { what: 'a refresh token (identity token)', credential: refresh },
  ])('is refused $what: kind insecure, and the realm receives nothing', async ({ credential }) => {
    const realm = await tokenServer(external!);
    const reg = await registry(`http://${realm.host}/token`);
    const error = await login(reg.host, credential);
    expect(realm.seen).toEqual([]);
    expectInsecure(error, realm.host);
    // The registry itself was asked once (the ping: a username and password go with it, to the very
    // host they are for, on this machine; a token never does), and its 401 named the realm.
    expect(reg.seen).toHaveLength(1);
    if ('identityToken' in credential && credential.identityToken) expect(reg.seen[0]!.authorization).toBeUndefined();
  });

  it('control: without credentials the same realm is asked (anonymously), so it would have seen them', async () => {
    const realm = await tokenServer(external!);
    const reg = await registry(`http://${realm.host}/token`);
    expect(await login(reg.host, undefined)).toBeUndefined();
    expect(realm.seen).toHaveLength(1);
    expect(realm.seen[0]).toMatchObject({ method: 'GET', authorization: undefined, body: '' });
    expect(realm.seen[0]!.url).toMatch(/^\/token\?service=registry\.test/);
  });
});

describe('a plain-http token realm on a name that is not loopback', () => {
  it.each([
    { what: 'Basic credentials (user and password)', credential: password },
    { what: 'a refresh token (identity token)', credential: refresh },
  ])('is refused $what before any connection (kind insecure, not unreachable)', async ({ credential }) => {
    const reg = await registry('http://example.invalid/token');
    expectInsecure(await login(reg.host, credential), 'example.invalid');
  });
});

describe('controls: where credentials may go', () => {
  it('sends Basic credentials to a plain-http realm on loopback', async () => {
    const realm = await tokenServer('127.0.0.1');
    const reg = await registry(`http://${realm.host}/token`);
    expect(await login(reg.host, password)).toBeUndefined();
    expect(realm.seen.map((r) => r.authorization)).toEqual([`Basic ${Buffer.from('someone:pa55-w0rd-Secret').toString('base64')}`]);
  });

  it('sends a refresh token to a plain-http realm on loopback, in a POST body', async () => {
    const realm = await tokenServer('127.0.0.1');
    const reg = await registry(`http://${realm.host}/token`);
    expect(await login(reg.host, refresh)).toBeUndefined();
    expect(realm.seen).toHaveLength(1);
    expect(realm.seen[0]!.method).toBe('POST');
    expect(new URLSearchParams(realm.seen[0]!.body).get('refresh_token')).toBe('refresh-token-Secret');
  });
});
