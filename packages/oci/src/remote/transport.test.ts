// How the registry client uses its connections, against real in-process servers: what a registry far away
// charges a round trip for (a new connection, a TLS attempt that fails) is paid once and at the same time.
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';

interface Server {
  host: string;
  /** Connections accepted, TLS hellos included. */
  connections: number;
  requests: string[];
  close: () => Promise<void>;
}

const servers: http.Server[] = [];
const clients: RegistryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/**
 * A plain-http registry on 127.0.0.1. With `holdTlsHellos`, a TLS hello gets no answer until a plain
 * request has come: a client that tried https first, and http only after, would wait for ever.
 */
async function serve(options: { holdTlsHellos?: boolean } = {}): Promise<Server> {
  const held: Socket[] = [];
  const release = () => {
    for (const socket of held.splice(0)) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  };
  const listener = http.createServer((req, res) => {
    server.requests.push(`${req.method} ${req.url}`);
    release();
    res.writeHead(req.url === '/v2/' ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
  });
  listener.on('connection', () => server.connections++);
  listener.on('clientError', (_error, socket) => {
    if (options.holdTlsHellos && server.requests.length === 0) held.push(socket as Socket);
    else socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  servers.push(listener);
  const server: Server = {
    host: `127.0.0.1:${(listener.address() as AddressInfo).port}`,
    connections: 0,
    requests: [],
    close: () => new Promise((resolve) => listener.close(() => resolve())),
  };
  return server;
}

function client(host: string, options: { scheme?: 'http'; connectionsAtPing?: number } = {}): RegistryClient {
  // A Basic registry takes the password that goes with the ping: the login is that one request.
  const credential = async () => ({ username: 'uai', password: 'pw' });
  const made = new RegistryClient({ host, certsDir: '/nonexistent', credential, retry: { retries: 0 }, ...options });
  clients.push(made);
  return made;
}

describe('connections', () => {
  it('opens six with the first ping, and later requests, at once or one after another, open none', async () => {
    const server = await serve();
    const registry = client(server.host, { scheme: 'http' });
    await registry.login();
    expect(server.connections).toBe(6);
    expect(server.requests).toEqual(Array(6).fill('GET /v2/'));
    // A model's tag and its base image at once, then requests that each follow an answer.
    await Promise.all([registry.manifestDigest('ns/app', 'v1'), registry.manifestDigest('uaishare/base', 'v1')]);
    for (const tag of ['v2', 'v3', 'v4']) await registry.manifestDigest('ns/app', tag);
    expect(server.requests).toHaveLength(11);
    expect(server.connections).toBe(6);
  });

  it('sends a request that follows an answer on the connection that answered', async () => {
    const server = await serve();
    const registry = client(server.host, { scheme: 'http', connectionsAtPing: 1 });
    await registry.login();
    for (const tag of ['v1', 'v2', 'v3']) await registry.manifestDigest('ns/app', tag);
    expect(server.requests).toHaveLength(4);
    expect(server.connections).toBe(1);
  });

  it('asks a loopback host over https and plain http at once: the plain answer does not wait for the TLS attempt to fail', async () => {
    const server = await serve({ holdTlsHellos: true });
    const registry = client(server.host, { connectionsAtPing: 1 });
    await registry.login();
    expect(await registry.manifestDigest('ns/app', 'v1')).toBeUndefined();
    expect(server.requests).toEqual(['GET /v2/', 'GET /v2/ns/app/manifests/v1']);
  });

  it('stops at once when the run is stopped, even while a TLS handshake gets no answer', async () => {
    // A port that takes connections and never says a word: the https probe's handshake waits.
    const silent = net.createServer((socket) => sockets.push(socket));
    const sockets: Socket[] = [];
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const registry = client(`127.0.0.1:${(silent.address() as AddressInfo).port}`);
      const stop = new AbortController();
      const login = registry.login(stop.signal).catch((error: unknown) => error);
      setTimeout(() => stop.abort(), 100);
      // undici alone would wait for its connect timeout (10 s) and fail with that instead.
      expect(await login).toBe(stop.signal.reason);
      await registry.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
