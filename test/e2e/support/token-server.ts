// A registry that wants Bearer tokens, and the token server that issues them: Debian's docker-registry
// with `auth: token`, trusting a self-signed certificate made here, and a small HTTP server on
// 127.0.0.1 that checks Basic credentials and signs ES256 JWTs (the certificate goes in the x5c header).
// It records every token request, so a test can see the realm/service/scope flow.
import { spawn } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { runOk } from './exec.mjs';
import { registryConfig } from './registry.mjs';
import { freePort, waitFor } from './wait.mjs';

export interface TokenRequest {
  service: string | null;
  scopes: string[];
  /** The user named by Basic auth, or null for an anonymous request. */
  user: string | null;
  granted: boolean;
}

export interface TokenRegistry {
  host: string;
  url: string;
  username: string;
  password: string;
  service: string;
  /** Every request the token server answered, in order. */
  tokenRequests: TokenRequest[];
  stop(): Promise<void>;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** `repository:a/b:pull,push` -> the JWT access claim. */
function accessFor(scopes: readonly string[]) {
  return scopes.map((scope) => {
    const [type, ...rest] = scope.split(':');
    const actions = rest.pop()!.split(',');
    return { type, name: rest.join(':'), actions };
  });
}

/** A self-signed EC key and certificate for signing tokens (the registry trusts the certificate). */
async function issuerKey(dir: string, issuer: string) {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  const subject = `/CN=${issuer}`;
  await runOk('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    subject,
  ]);
  return { key: createPrivateKey(await readFile(keyFile)), certDer: new X509Certificate(await readFile(certFile)).raw, certFile };
}

interface Issuer {
  username: string;
  password: string;
  service: string;
  issuer: string;
  key: ReturnType<typeof createPrivateKey>;
  certDer: Buffer;
  tokenRequests: TokenRequest[];
}

/** A signed ES256 JWT granting `scopes` to `user`. */
function signToken(issuer: Issuer, user: string, scopes: readonly string[]): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'ES256', typ: 'JWT', x5c: [issuer.certDer.toString('base64')] };
  const claims = {
    iss: issuer.issuer,
    sub: user,
    aud: issuer.service,
    exp: now + 300,
    nbf: now - 10,
    iat: now,
    jti: randomBytes(8).toString('hex'),
    access: accessFor(scopes),
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key: issuer.key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${base64url(signature)}`;
}

/** The token server: checks Basic credentials, records the request, answers a token or 401. */
function tokenServer(issuer: Issuer): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const scopes = url.searchParams
      .getAll('scope')
      .flatMap((s) => s.split(' '))
      .filter(Boolean);
    const auth = req.headers.authorization;
    let user: string | null = null;
    if (auth?.startsWith('Basic ')) {
      const [name, ...pass] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      if (name === issuer.username && pass.join(':') === issuer.password) user = name;
      else {
        issuer.tokenRequests.push({ service: url.searchParams.get('service'), scopes, user: name ?? null, granted: false });
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"wrong username or password"}');
        return;
      }
    }
    const granted = user !== null;
    issuer.tokenRequests.push({ service: url.searchParams.get('service'), scopes, user, granted });
    if (!granted) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"authentication required"}');
      return;
    }
    const token = signToken(issuer, user!, scopes);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
}

export async function startTokenRegistry(options: { username?: string; password?: string } = {}): Promise<TokenRegistry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'uai-token-registry-'));
  const service = 'uai-token-registry';
  const issuerName = 'uai-e2e-token-issuer';
  const { key, certDer, certFile } = await issuerKey(dir, issuerName);
  const issuer: Issuer = {
    username: options.username ?? 'token-user',
    password: options.password ?? `tk-${randomBytes(12).toString('base64url')}`,
    service,
    issuer: issuerName,
    key,
    certDer,
    tokenRequests: [],
  };
  const server = tokenServer(issuer);
  const tokenPort = await freePort();
  await new Promise<void>((resolve) => server.listen(tokenPort, '127.0.0.1', resolve));

  const port = await freePort();
  const configFile = path.join(dir, 'config.yml');
  const auth = [
    '  token:',
    `    realm: http://127.0.0.1:${tokenPort}/token`,
    `    service: ${service}`,
    `    issuer: ${issuerName}`,
    `    rootcertbundle: ${JSON.stringify(certFile)}`,
  ];
  await writeFile(configFile, registryConfig({ dir, port, auth }));
  const logFile = path.join(dir, 'registry.log');
  const log = openSync(logFile, 'a');
  const child = spawn('docker-registry', ['serve', configFile], {
    stdio: ['ignore', log, log],
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_'))),
  });
  closeSync(log);
  let exited = false;
  child.on('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (!exited) child.kill('SIGKILL');
    }
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      `token registry on ${url}`,
      async () => {
        if (exited) throw new Error(`docker-registry exited:\n${readFileSync(logFile, 'utf8')}`);
        const response = await fetch(`${url}/v2/`).catch(() => undefined);
        return response?.status === 401 ? true : undefined;
      },
      { timeoutMs: 15_000 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { host: `127.0.0.1:${port}`, url, username: issuer.username, password: issuer.password, service, tokenRequests: issuer.tokenRequests, stop };
}
