// A registry served over TLS only, with a certificate from a private CA made here by openssl: Debian's
// docker-registry (`http.tls` in its config) on 127.0.0.1, htpasswd auth, and the stand-in base pushed
// to it. No system trust store knows the CA; a test trusts it through certs.d or NODE_EXTRA_CA_CERTS.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { runOk } from './exec.mjs';
import { randomPassword, registryConfig } from './registry.mjs';
import { pushStandins } from './standin.mjs';
import { freePort, waitFor } from './wait.mjs';

export interface TlsRegistry {
  /** `127.0.0.1:PORT`: loopback, but it speaks only TLS, so uai must verify its certificate. */
  host: string;
  username: string;
  password: string;
  /** The private CA that signed its certificate (PEM file). */
  caFile: string;
  /** Another CA (PEM file) that signed nothing of it. */
  otherCaFile: string;
  /** The digest the registry gives for `repository:reference`, asked over https trusting the CA. */
  manifestDigest(repository: string, reference: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

/** A CA, and a server certificate it signs for `san`, in `dir`. */
async function makeCertificates(dir: string, san: string) {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const file = (name: string) => path.join(dir, name);
  await runOk('openssl', ['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2', '-subj', '/CN=uai e2e private CA']);
  await runOk('openssl', ['req', '-x509', ...ec, '-keyout', file('other-ca.key'), '-out', file('other-ca.crt'), '-days', '2', '-subj', '/CN=another CA']);
  await runOk('openssl', ['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=uai e2e registry']);
  await writeFile(file('server.ext'), `subjectAltName=${san}\n`);
  await runOk('openssl', [
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.crt'),
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
  ]);
  return { caFile: file('ca.crt'), otherCaFile: file('other-ca.crt'), certFile: file('server.crt'), keyFile: file('server.key') };
}

/** `registryConfig` with `http.tls`: the registry then speaks only https. */
function tlsConfig(dir: string, port: number, certFile: string, keyFile: string): string {
  const lines = registryConfig({ dir, port }).split('\n');
  const at = lines.findIndex((line) => line.startsWith('  secret:')) + 1;
  lines.splice(at, 0, '  tls:', `    certificate: ${JSON.stringify(certFile)}`, `    key: ${JSON.stringify(keyFile)}`);
  return lines.join('\n');
}

/**
 * Starts the registry and pushes the stand-in under `images` with the engine (which speaks https to it
 * without verifying: Docker treats 127.0.0.0/8 as an insecure registry).
 */
export async function startTlsRegistry(options: { standin: string; images: readonly string[] }): Promise<TlsRegistry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'uai-tls-registry-'));
  const username = 'uai-tls';
  const password = randomPassword();
  const { caFile, otherCaFile, certFile, keyFile } = await makeCertificates(dir, 'IP:127.0.0.1');
  await runOk('htpasswd', ['-iBc', path.join(dir, 'htpasswd'), username], { input: `${password}\n` });
  const port = await freePort();
  const configFile = path.join(dir, 'config.yml');
  await writeFile(configFile, tlsConfig(dir, port, certFile, keyFile));
  const logFile = path.join(dir, 'registry.log');
  const log = openSync(logFile, 'a');
  const child = spawn('docker-registry', ['serve', configFile], {
    stdio: ['ignore', log, log],
    env: Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('REGISTRY_'))),
  });
  closeSync(log);
  let exited = false;
  child.on('exit', () => (exited = true));
  const host = `127.0.0.1:${port}`;
  const agent = new Agent({ connect: { ca: await readFile(caFile, 'utf8') } });
  const dockerConfig = await mkdtemp(path.join(os.tmpdir(), 'uai-tls-registry-docker-'));
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (!exited) child.kill('SIGKILL');
    }
    await agent.close();
    await rm(dockerConfig, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  };
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  try {
    await waitFor(
      `the TLS registry on https://${host}`,
      async () => {
        if (exited) throw new Error(`docker-registry exited:\n${readFileSync(logFile, 'utf8')}`);
        const response = await request(`https://${host}/v2/`, { dispatcher: agent });
        await response.body.dump();
        return response.statusCode === 401 ? true : undefined;
      },
      { timeoutMs: 15_000 },
    );
    await pushStandins({ standin: options.standin, registry: { host, username, password }, dockerConfig, images: options.images });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    host,
    username,
    password,
    caFile,
    otherCaFile,
    async manifestDigest(repository, reference) {
      const response = await request(`https://${host}/v2/${repository}/manifests/${reference}`, {
        method: 'HEAD',
        dispatcher: agent,
        headers: { authorization, accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
      });
      await response.body.dump();
      return response.statusCode === 200 ? String(response.headers['docker-content-digest']) : undefined;
    },
    stop,
  };
}

/** A certs.d folder of the test's own: `<root>/<host>/` with `files` (name -> contents). */
export async function certsDir(root: string, host: string, files: Record<string, string>): Promise<string> {
  await mkdir(path.join(root, host), { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(root, host, name), text);
  return root;
}
