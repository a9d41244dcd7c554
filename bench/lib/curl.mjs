// The floor: blobs sent to the bench's registry the plainest way (a `POST`, then `curl -T`), and what a
// manifest adds to the registry, read over its HTTP API.
import { bench } from './context.mjs';
import { runOk } from './process.mjs';

const authHeader = () => `Basic ${Buffer.from(`${bench.registry.username}:${bench.registry.password}`).toString('base64')}`;

/** A manifest by tag or digest: its size in bytes and its JSON. */
export async function manifestOf(repository, reference) {
  const response = await fetch(`${bench.registry.url}/v2/${repository}/manifests/${reference}`, {
    headers: { authorization: authHeader(), accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
  });
  if (!response.ok) throw new Error(`manifest ${repository}:${reference}: ${response.status}`);
  return { bytes: Number(response.headers.get('content-length')), json: await response.json() };
}

/** Bytes `after` added to the registry over `before`: new blobs plus the manifest. */
export async function addedBytes(repository, before, after) {
  const old = await manifestOf(repository, before);
  const now = await manifestOf(repository, after);
  const had = new Set([old.json.config.digest, ...old.json.layers.map((l) => l.digest)]);
  return [now.json.config, ...now.json.layers].filter((b) => !had.has(b.digest)).reduce((sum, b) => sum + b.size, now.bytes);
}

export const sha256Of = async (file) => `sha256:${(await runOk('openssl', ['dgst', '-sha256', '-r', file])).stdout.split(' ')[0]}`;

/** One blob upload the plainest way: `POST`, then `curl -T` of the file in one `PUT ?digest=` (the password on stdin, not argv). */
export async function curlBlob(file, digest, repository) {
  const { registry } = bench;
  const start = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: { authorization: authHeader() } });
  if (start.status !== 202) throw new Error(`upload POST: ${start.status}`);
  const location = new URL(start.headers.get('location'), registry.url);
  location.searchParams.set('digest', digest);
  const config = `user = "${registry.username}:${registry.password}"\n`;
  return runOk('curl', ['-sS', '-f', '-K', '-', '-T', file, '-X', 'PUT', '-H', 'Content-Type: application/octet-stream', location.toString()], {
    input: config,
  });
}

/** `curl -T` of the file as one blob, the digest computed beforehand: the time of the PUT. */
export async function curlUpload(file, repository) {
  return (await curlBlob(file, await sha256Of(file), repository)).ms;
}

/** The wall time of uploading `files` with curl, all at once or one after another (digests computed beforehand). */
export async function curlUploads(files, namespace, parallel) {
  const digests = await Promise.all(files.map(sha256Of));
  const started = process.hrtime.bigint();
  const one = (file, i) => curlBlob(file, digests[i], `${namespace}/curl-m${i}`);
  if (parallel) await Promise.all(files.map(one));
  else for (const [i, file] of files.entries()) await one(file, i);
  return Number(process.hrtime.bigint() - started) / 1e6;
}
