// The registry client's TLS against real in-process servers (node:http, node:https) with certificates made
// here by openssl: https for every host, plain http only for a loopback host that does not speak TLS, and
// the CAs and client certificate of Docker's certs.d folder.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { readHostTls } from './tls.js';

const run = promisify(execFile);

/** A host's address that is not loopback, if this machine has one: https must be spoken to it with no fallback. */
const outside = Object.values(os.networkInterfaces())
  .flat()
  .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;

let dir: string;
const pem: Record<string, string> = {};

/** A CA, or a certificate signed by one (`signer`), as PEM files `<name>.crt` and `<name>.key` in `dir`. */
async function certificate(name: string, subject: string, options: { signer?: string; san?: string } = {}): Promise<void> {
  const key = path.join(dir, `${name}.key`);
  const crt = path.join(dir, `${name}.crt`);
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key];
  if (!options.signer) {
    await run('openssl', ['req', '-x509', ...ecKey, '-out', crt, '-days', '2', '-subj', subject]);
  } else {
    const csr = path.join(dir, `${name}.csr`);
    const ext = path.join(dir, `${name}.ext`);
    await writeFile(ext, options.san ? `subjectAltName=${options.san}\n` : 'basicConstraints=CA:FALSE\n');
    await run('openssl', ['req', ...ecKey, '-out', csr, '-subj', subject]);
    const signer = path.join(dir, options.signer);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      `${signer}.crt`,
      '-CAkey',
      `${signer}.key`,
      '-CAcreateserial',
      '-out',
      crt,
      '-days',
      '2',
      '-extfile',
      ext,
    ]);
  }
  pem[`${name}.crt`] = await readFile(crt, 'utf8');
  pem[`${name}.key`] = await readFile(key, 'utf8');
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'uai-tls-'));
  await certificate('ca', '/CN=uai test CA');
  await certificate('other-ca', '/CN=someone else');
  const san = ['IP:127.0.0.1', 'DNS:localhost', ...(outside ? [`IP:${outside}`] : [])].join(',');
  await certificate('server', '/CN=registry', { signer: 'ca', san });
  await certificate('client', '/CN=uai-client', { signer: 'ca' });
  await certificate('stranger', '/CN=stranger', { signer: 'other-ca' });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Server {
  host: string;
  /** Requests answered, with whether they came over TLS and the client certificate's CN. */
  requests: { url: string; tls: boolean; clientCn?: string }[];
  /** Connections that were not HTTP (a TLS hello sent to a plain http server). */
  badClients: number;
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A registry's `/v2/` (200) and a 404 for anything else, over http or https. */
async function serve(options: { tls?: https.ServerOptions; address?: string; hangUp?: boolean } = {}): Promise<Server> {
  const server: Server = { host: '', requests: [], badClients: 0, close: async () => {} };
  const handler: http.RequestListener = (req, res) => {
    const socket = req.socket as TLSSocket;
    const cn = socket.encrypted ? (socket.getPeerCertificate().subject?.CN as string | undefined) : undefined;
    server.requests.push({ url: req.url ?? '', tls: Boolean(socket.encrypted), clientCn: cn });
    res.writeHead(req.url === '/v2/' ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
  };
  const listener = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  // What a plain http server answers a TLS hello with, as Node's default and Go's do.
  listener.on('clientError', (_error, socket) => {
    server.badClients++;
    if (options.hangUp) socket.destroy();
    else socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });
  const address = options.address ?? '127.0.0.1';
  await new Promise<void>((resolve) => listener.listen(0, address, resolve));
  server.host = `${address}:${(listener.address() as AddressInfo).port}`;
  server.close = () => new Promise((resolve) => listener.close(() => resolve()));
  servers.push(server);
  return server;
}

const serverTls = (extra: https.ServerOptions = {}): https.ServerOptions => ({ key: pem['server.key'], cert: pem['server.crt'], ...extra });

/** A certs.d folder with `files` (name -> PEM) for `host`. */
async function certsDir(host: string, files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(dir, 'certs.d-'));
  await mkdir(path.join(root, host));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(root, host, name), text);
  return root;
}

const clients: RegistryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

function client(host: string, certs: string): RegistryClient {
  // One connection at the ping: these tests count requests and TLS hellos (the warm-up is tested in transport.test.ts).
  const made = new RegistryClient({ host, certsDir: certs, retry: { retries: 0 }, connectionsAtPing: 1 });
  clients.push(made);
  return made;
}

async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RegistryError);
  return error as RegistryError;
}

describe('https with the CAs of certs.d/<host>/', () => {
  it('trusts a private CA in certs.d/<host:port>/ca.crt, and speaks https to that loopback host', async () => {
    const server = await serve({ tls: serverTls() });
    const registry = client(server.host, await certsDir(server.host, { 'ca.crt': pem['ca.crt']! }));
    await registry.login();
    expect(await registry.manifestDigest('ns/app', 'v1')).toBeUndefined();
    expect(server.requests.map((request) => [request.url, request.tls])).toEqual([
      ['/v2/', true],
      ['/v2/', true],
      ['/v2/ns/app/manifests/v1', true],
    ]);
  });

  it('refuses an untrusted certificate, naming the host, the word certificate and where its CA was looked for', async () => {
    const server = await serve({ tls: serverTls() });
    const certs = await certsDir('elsewhere:5000', { 'ca.crt': pem['ca.crt']! });
    const error = await failure(client(server.host, certs).login());
    expect(error.kind).toBe('certificate');
    expect(error.message).toContain(`The TLS certificate of ${server.host} is not trusted`);
    expect(error.message).toContain(path.join(certs, server.host, '*.crt'));
    expect(error.message).toContain('NODE_EXTRA_CA_CERTS');
    expect(server.requests).toEqual([]);
  });

  it('refuses a certificate from another CA than the ones in certs.d', async () => {
    const server = await serve({ tls: { key: pem['stranger.key'], cert: pem['stranger.crt'] } });
    const error = await failure(client(server.host, await certsDir(server.host, { 'ca.crt': pem['ca.crt']! })).ping());
    expect(error.kind).toBe('certificate');
    expect(server.requests).toEqual([]);
  });
});

describe('a certificate for another name', () => {
  it('is refused even when its CA is trusted, and the message says so', async () => {
    const server = await serve({ tls: { key: pem['stranger.key'], cert: pem['stranger.crt'] } });
    const error = await failure(client(server.host, await certsDir(server.host, { 'ca.crt': pem['other-ca.crt']! })).login());
    expect(error.kind).toBe('certificate');
    expect(error.message).toContain('[ERR_TLS_CERT_ALTNAME_INVALID]');
    expect(error.message).toContain('issued for another name');
    expect(server.requests).toEqual([]);
  });
});

describe('NODE_EXTRA_CA_CERTS', () => {
  it('is still trusted when the host has CAs of its own (Node 20 drops it from a context given a CA)', async () => {
    // Node reads the variable once, at start: the check runs in a child started with it.
    const { build } = await import('esbuild');
    const bundle = path.join(dir, 'tls-bundle.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('./tls.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      logLevel: 'silent',
    });
    const server = await serve({ tls: serverTls() });
    const certs = await certsDir(server.host, { 'unrelated.crt': pem['other-ca.crt']! });
    const [host, port] = server.host.split(':');
    const script = [
      "import tls from 'node:tls';",
      `const { readHostTls, connectOptions } = await import(${JSON.stringify(pathToFileURL(bundle).href)});`,
      `const { secureContext } = await connectOptions(await readHostTls(${JSON.stringify(certs)}, ${JSON.stringify(server.host)}));`,
      `const socket = tls.connect({ host: ${JSON.stringify(host)}, port: ${port}, secureContext });`,
      "socket.on('secureConnect', () => { console.log('trusted'); socket.destroy(); });",
      "socket.on('error', (error) => console.log(error.code));",
    ].join('\n');
    const extra = path.join(dir, 'extra.pem');
    await writeFile(extra, pem['ca.crt']!);
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: extra } });
    expect(stdout.trim()).toBe('trusted');
  });
});

describe('plain http only for a loopback host that does not speak TLS', () => {
  it.each([
    ['answers the TLS hello with a 400', false],
    ['hangs up on the TLS hello', true],
  ])('falls back to http for a loopback registry that %s, once per client', async (_how, hangUp) => {
    const server = await serve({ hangUp });
    const registry = client(server.host, await certsDir('none', {}));
    await registry.login();
    expect(await registry.manifestDigest('ns/app', 'v1')).toBeUndefined();
    await registry.login();
    expect(server.badClients).toBe(1);
    expect(server.requests.length).toBe(4);
    expect(server.requests.every((request) => !request.tls)).toBe(true);
  });

  it('does not fall back when a loopback registry presents an untrusted certificate', async () => {
    const server = await serve({ tls: serverTls() });
    const error = await failure(client(server.host, await certsDir('none', {})).login());
    expect(error.kind).toBe('certificate');
    expect(error.message).toContain(server.host);
    expect(server.requests).toEqual([]);
  });

  it.skipIf(!outside)('never falls back for a host that is not loopback', async () => {
    const server = await serve({ address: outside });
    const error = await failure(client(server.host, await certsDir('none', {})).login());
    expect(error.kind).toBe('unreachable');
    expect(error.message).toContain(`Cannot reach ${server.host} over https`);
    expect(error.message).toContain('plain http');
    expect(server.requests).toEqual([]);
  });

  it.skipIf(!outside)('speaks https to a host that is not loopback, with its CA from certs.d', async () => {
    const server = await serve({ tls: serverTls(), address: outside });
    const certs = await certsDir(server.host, { 'ca.crt': pem['ca.crt']! });
    await client(server.host, certs).login();
    expect(server.requests.map((request) => request.tls)).toEqual([true, true]);
    const error = await failure(client(server.host, await certsDir('none', {})).login());
    expect(error.kind).toBe('certificate');
    expect(error.message).toContain(server.host);
  });
});

describe('client certificates from certs.d/<host>/', () => {
  const wantsClientCert = () => serverTls({ ca: pem['ca.crt'], requestCert: true, rejectUnauthorized: true });

  it('presents client.cert with client.key when the registry asks for one', async () => {
    const server = await serve({ tls: wantsClientCert() });
    const certs = await certsDir(server.host, { 'ca.crt': pem['ca.crt']!, 'client.cert': pem['client.crt']!, 'client.key': pem['client.key']! });
    await client(server.host, certs).login();
    expect(server.requests.map((request) => request.clientCn)).toEqual(['uai-client', 'uai-client']);
  });

  it('fails without one', async () => {
    const server = await serve({ tls: wantsClientCert() });
    await expect(client(server.host, await certsDir(server.host, { 'ca.crt': pem['ca.crt']! })).login()).rejects.toThrow();
    expect(server.requests).toEqual([]);
  });

  it('says which file is missing when a .cert has no .key', async () => {
    const certs = await certsDir('reg.example.com', { 'client.cert': pem['client.crt']! });
    const error = await failure(readHostTls(certs, 'reg.example.com'));
    expect(error.kind).toBe('certificate');
    expect(error.message).toContain(path.join(certs, 'reg.example.com', 'client.cert'));
    expect(error.message).toContain('client.key');
  });

  it('reads every *.crt as a CA and nothing for a host without a folder', async () => {
    const certs = await certsDir('reg.example.com', { 'ca.crt': pem['ca.crt']!, 'more.crt': pem['other-ca.crt']!, 'README.txt': 'not a certificate' });
    expect((await readHostTls(certs, 'reg.example.com')).ca).toEqual([pem['ca.crt'], pem['other-ca.crt']]);
    expect(await readHostTls(certs, 'other.example.com')).toEqual({ dir: path.join(certs, 'other.example.com'), ca: [] });
  });
});
