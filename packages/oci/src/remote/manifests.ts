import { sha256Digest } from '../image/digest.js';
import { manifestAccept } from '../image/media-types.js';
import { RegistryError } from './errors.js';
import { checkStoredDigest, header, repositoryScopes, type Transport } from './transport.js';

export interface ManifestResponse {
  mediaType: string;
  digest: string;
  bytes: Buffer;
  json: Record<string, unknown>;
}

/** A manifest by tag or digest, its bytes checked against the digest asked for and the one the registry claims. */
export async function getManifest(transport: Transport, repository: string, reference: string, signal?: AbortSignal): Promise<ManifestResponse> {
  const response = await transport.send({
    method: 'GET',
    url: `/v2/${repository}/manifests/${reference}`,
    scopes: repositoryScopes(repository, false),
    headers: { accept: manifestAccept },
    expect: [200],
    what: `reading manifest ${repository}:${reference}`,
    signal,
  });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  const digest = sha256Digest(bytes);
  const claimed = header(response.headers, 'docker-content-digest');
  if (reference.startsWith('sha256:') && digest !== reference) {
    throw new RegistryError('digest', `${transport.host} sent a manifest for ${repository}@${reference} whose digest is ${digest}.`);
  }
  if (claimed && claimed !== digest)
    throw new RegistryError('digest', `${transport.host} says manifest ${repository}:${reference} is ${claimed}, its bytes hash to ${digest}.`);
  const json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  const mediaType = (json.mediaType as string | undefined) ?? header(response.headers, 'content-type') ?? '';
  return { mediaType, digest, bytes, json };
}

/** The digest a tag points to now, or undefined when there is no such tag (the registry answers 404). */
export async function manifestDigest(transport: Transport, repository: string, reference: string, signal?: AbortSignal): Promise<string | undefined> {
  const response = await transport.send({
    method: 'HEAD',
    url: `/v2/${repository}/manifests/${reference}`,
    scopes: repositoryScopes(repository, false),
    headers: { accept: manifestAccept },
    expect: [200, 404],
    what: `checking manifest ${repository}:${reference}`,
    signal,
  });
  await response.body.dump();
  if (response.status === 404) return undefined;
  // A registry that leaves the header out: the digest of the manifest's own bytes.
  return header(response.headers, 'docker-content-digest') ?? (await getManifest(transport, repository, reference, signal)).digest;
}

/** Pushes a manifest under a tag (or digest); returns the registry's digest, checked against ours. */
export async function putManifest(
  transport: Transport,
  repository: string,
  reference: string,
  manifest: Buffer,
  mediaType: string,
  signal?: AbortSignal,
): Promise<string> {
  const what = `pushing manifest ${repository}:${reference}`;
  const response = await transport.send({
    method: 'PUT',
    url: `/v2/${repository}/manifests/${reference}`,
    scopes: repositoryScopes(repository, true),
    headers: { 'content-type': mediaType, 'content-length': String(manifest.length) },
    body: () => manifest,
    expect: [201, 200],
    what,
    signal,
  });
  await response.body.dump();
  const digest = sha256Digest(manifest);
  checkStoredDigest(response, digest, what);
  return digest;
}
