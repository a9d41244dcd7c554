import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { RegistryError } from './errors.js';

/** Where Docker keeps each registry's own certificates: `<dir>/<host[:port]>/{*.crt, *.cert, *.key}`. */
export const defaultCertsDir = '/etc/docker/certs.d';

/** A registry host's own TLS files, as Docker reads them from its certs.d folder. */
export interface HostTls {
  /** The host's folder, `<certsDir>/<host[:port]>`. */
  dir: string;
  /** CA certificates (PEM) from every `*.crt`, trusted for this host on top of Node's own. */
  ca: string[];
  /** A client certificate and its key (`client.cert` + `client.key`: a `*.cert` and the `*.key` of the same name). */
  client?: { cert: string; key: string; file: string };
}

function hostDir(certsDir: string, host: string): string | undefined {
  // A host is `name[:port]` or `[v6]:port`: never a path of its own.
  if (!host || host.includes('/') || host.includes('\\') || host === '.' || host === '..') return undefined;
  return path.join(certsDir, host);
}

async function read(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new RegistryError('certificate', `Cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Reads `<certsDir>/<host>/` as Docker does: every `*.crt` is a CA, a `*.cert` goes with the `*.key` of the
 * same name (the first pair by name is used). A missing folder is no files; a `.cert` without its `.key`
 * (or the reverse), or a file that cannot be read, is an error naming it.
 */
export async function readHostTls(certsDir: string, host: string): Promise<HostTls> {
  const dir = hostDir(certsDir, host);
  if (!dir) return { dir: certsDir, ca: [] };
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { dir, ca: [] };
    throw new RegistryError('certificate', `Cannot read the certificates of ${host} in ${dir}: ${(cause as Error).message}`, { cause });
  }
  const ca = await Promise.all(names.filter((name) => name.endsWith('.crt')).map((name) => read(path.join(dir, name))));
  for (const name of names) {
    const partner = name.endsWith('.cert') ? `${name.slice(0, -5)}.key` : name.endsWith('.key') ? `${name.slice(0, -4)}.cert` : undefined;
    if (partner && !names.includes(partner)) {
      throw new RegistryError(
        'certificate',
        `${path.join(dir, name)} has no ${partner} next to it: a client certificate needs its key (CA certificates end in .crt).`,
      );
    }
  }
  const certName = names.find((name) => name.endsWith('.cert'));
  if (!certName) return { dir, ca };
  const file = path.join(dir, certName);
  const [cert, key] = await Promise.all([read(file), read(`${file.slice(0, -5)}.key`)]);
  return { dir, ca, client: { cert, key, file } };
}

/** Node's list of the CAs it trusts, where it has one (22.15+). */
const getCACertificates = (tls as { getCACertificates?: (type?: string) => string[] }).getCACertificates;

const pemCertificates = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;
const squeeze = (pem: string) => pem.replace(/\s+/g, '');

/**
 * The certificates of `NODE_EXTRA_CA_CERTS`. Node adds them to its default store, but a context given a CA
 * of its own (either way below) loses them (Node 20), so they are added again: those Node's own bundle
 * lacks, since adding one costs about 1.5 ms and the file is often the system's whole bundle.
 */
async function extraCas(): Promise<string[]> {
  let extra: string[];
  if (typeof getCACertificates === 'function') extra = getCACertificates('extra');
  else {
    const file = process.env.NODE_EXTRA_CA_CERTS;
    // Node warned at start if the file cannot be read; it trusts the rest all the same, and so do we.
    const text = file ? await readFile(file, 'utf8').catch(() => '') : '';
    extra = text.match(pemCertificates) ?? [];
  }
  const bundled = new Set(tls.rootCertificates.map(squeeze));
  return extra.filter((pem) => !bundled.has(squeeze(pem)));
}

/**
 * One TLS context with Node's trust (its CAs and NODE_EXTRA_CA_CERTS) plus the host's CAs, and its client
 * certificate. The CAs are added to a copy of Node's default store (about 10 ms) where Node lets us; an
 * explicit `ca` list replaces the default instead, so there it lists Node's CAs too (about 150 ms).
 */
async function hostContext(files: HostTls): Promise<tls.SecureContext> {
  const client = files.client ? { cert: files.client.cert, key: files.client.key } : {};
  const context = tls.createSecureContext(client);
  if (!files.ca.length) return context;
  const native = (context as { context?: { addCACert?: (pem: string) => void } }).context;
  if (typeof native?.addCACert === 'function') {
    for (const ca of [...(await extraCas()), ...files.ca]) native.addCACert(ca);
    return context;
  }
  const defaults = typeof getCACertificates === 'function' ? getCACertificates('default') : [...tls.rootCertificates, ...(await extraCas())];
  return tls.createSecureContext({ ...client, ca: [...defaults, ...files.ca] });
}

/**
 * undici's `connect` options for a host with files of its own: one TLS context made once for every
 * connection of the client. Undefined when the host has none: Node's defaults then apply as they are.
 * Verification is never turned off.
 */
export async function connectOptions(files: HostTls): Promise<{ secureContext: tls.SecureContext } | undefined> {
  if (!files.ca.length && !files.client) return undefined;
  try {
    return { secureContext: await hostContext(files) };
  } catch (cause) {
    throw new RegistryError('certificate', `The certificates in ${files.dir} cannot be used: ${(cause as Error).message}`, { cause });
  }
}

/** What Node calls a certificate it did not accept (OpenSSL's verify codes, and a name that does not match). */
const certificateCodes = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

type CodedError = { code?: string; message?: string; cause?: unknown };

function* chain(error: unknown): Generator<CodedError> {
  for (let e = error as CodedError | undefined, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause as CodedError, depth++) yield e;
}

/** The error of a certificate Node did not accept, found in `error` or its causes. */
export function certificateFailure(error: unknown): { code: string; message: string } | undefined {
  for (const e of chain(error)) if (e.code && certificateCodes.has(e.code)) return { code: e.code, message: e.message ?? e.code };
  return undefined;
}

/**
 * Whether a TLS connection failed because the other side does not speak TLS: it answered the hello with
 * plain bytes (an HTTP 400: OpenSSL's "wrong version number"), or closed before any TLS was spoken. A
 * certificate failure, or a TLS alert, means it does speak TLS.
 */
export function speaksNoTls(error: unknown): boolean {
  if (answeredInPlain(error)) return true;
  for (const e of chain(error)) if (e.code === 'ECONNRESET' && /before secure TLS connection was established/i.test(e.message ?? '')) return true;
  return false;
}

/** Whether the other side answered a TLS hello with plain bytes (a plain http server's 400): OpenSSL's "wrong version number". */
export function answeredInPlain(error: unknown): boolean {
  for (const e of chain(error)) {
    if (e.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || e.code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') return true;
    if (e.code === 'EPROTO' && /wrong version number|packet length too long/i.test(e.message ?? '')) return true;
  }
  return false;
}

/**
 * The RegistryError for a certificate `host` presented that is not trusted: the host, the word, and where
 * its CA was looked for (what to do about it is the caller's to say: it knows how its users set the folder).
 */
export function untrustedCertificate(host: string, what: string, failure: { code: string; message: string }, certsDir: string, cause: unknown): RegistryError {
  const why =
    failure.code === 'ERR_TLS_CERT_ALTNAME_INVALID' || failure.code === 'HOSTNAME_MISMATCH'
      ? 'it was issued for another name'
      : `none of the CAs trusted here (Node's, NODE_EXTRA_CA_CERTS, ${path.join(hostDir(certsDir, host) ?? certsDir, '*.crt')}) issued it`;
  return new RegistryError('certificate', `The TLS certificate of ${host} is not trusted (${what}): ${failure.message} [${failure.code}]; ${why}.`, { cause });
}
