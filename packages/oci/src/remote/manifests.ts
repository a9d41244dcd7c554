import { repositoryScopes } from '../authn/registry-auth.js';
import { sha256Digest } from '../image/digest.js';
import { manifestAccept } from '../image/media-types.js';
import { RegistryError } from './errors.js';
import { checkStoredDigest, header } from './answers.js';
import type { Transport } from './transport.js';
import { digestLike, isCheckableDigest } from './verify.js';

export interface ManifestResponse {
  mediaType: string;
  digest: string;
  bytes: Buffer;
  json: Record<string, unknown>;
}

/**
 * What a registry last said each tag holds (`repository:tag` -> digest), from a HEAD or a GET: a later
 * read of that tag whose bytes hash to another digest is asked about again (see `getManifest`).
 */
export type TagDigests = Map<string, string>;

/** A digest reference (`sha256:...`), not a tag: tags cannot hold a colon. */
function isDigestReference(reference: string): boolean {
  return reference.includes(':');
}

/**
 * A manifest by tag or digest, its bytes checked before use: against the digest asked for, against the
 * registry's `Docker-Content-Digest`, and (by tag) against what the registry said earlier that tag
 * holds (`tags`, from `manifestDigest`): when the bytes hash to another digest, the tag is asked about
 * again; if it moved meanwhile to these bytes, fine, else the registry sent other bytes than its tag.
 */
export async function getManifest(
  transport: Transport,
  repository: string,
  reference: string,
  signal?: AbortSignal,
  tags?: TagDigests,
): Promise<ManifestResponse> {
  return (await readManifest(transport, repository, reference, { signal, tags, missingOk: false }))!;
}

/** `getManifest`, or undefined when the registry has no such manifest (404) and `missingOk`. */
async function readManifest(
  transport: Transport,
  repository: string,
  reference: string,
  options: { signal?: AbortSignal; tags?: TagDigests; missingOk: boolean; what?: string },
): Promise<ManifestResponse | undefined> {
  const { signal, tags } = options;
  const byDigest = isDigestReference(reference);
  const name = byDigest ? `${repository}@${reference}` : `${repository}:${reference}`;
  const response = await transport.send({
    method: 'GET',
    url: `/v2/${repository}/manifests/${reference}`,
    scopes: repositoryScopes(repository, false),
    headers: { accept: manifestAccept },
    expect: options.missingOk ? [200, 404] : [200],
    what: options.what ?? `reading manifest ${name}`,
    signal,
  });
  if (response.status === 404) {
    await response.body.dump();
    return undefined;
  }
  const bytes = Buffer.from(await response.body.arrayBuffer());
  const digest = byDigest ? digestLike(reference, bytes) : sha256Digest(bytes);
  const otherBytes = (expected: string, like = digest) =>
    new RegistryError('digest', `reading manifest ${name} from ${transport.host}: ${expected}, but the registry sent other bytes (they hash to ${like}).`);
  if (byDigest && digest !== reference) throw otherBytes(`asked for ${reference}`);
  // A header that is not a digest is not taken (nor trusted): the bytes' own hash is.
  const claimed = header(response.headers, 'docker-content-digest');
  if (claimed && isCheckableDigest(claimed) && digestLike(claimed, bytes) !== claimed)
    throw otherBytes(`its Docker-Content-Digest is ${claimed}`, digestLike(claimed, bytes));
  if (!byDigest && tags) {
    const key = `${repository}:${reference}`;
    const earlier = tags.get(key);
    if (earlier && digestLike(earlier, bytes) !== earlier) {
      // The tag may have moved since: ask again.
      const now = await headManifest(transport, repository, reference, signal);
      if (!now || digestLike(now, bytes) !== now) throw otherBytes(`the registry says the tag holds ${now ?? earlier}`);
    }
    tags.set(key, digest);
  }
  const json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  const mediaType = (json.mediaType as string | undefined) ?? header(response.headers, 'content-type') ?? '';
  return { mediaType, digest, bytes, json };
}

/** A manifest's HEAD (404 or 200): the digest the registry says it has, when that is a digest. */
async function headManifest(transport: Transport, repository: string, reference: string, signal?: AbortSignal): Promise<string | undefined> {
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
  const claimed = header(response.headers, 'docker-content-digest');
  return isCheckableDigest(claimed) ? claimed : undefined;
}

/**
 * The digest a tag points to now, or undefined when there is no such tag (the registry answers 404):
 * the digest of the manifest's bytes, which the registry's `Docker-Content-Digest` must agree with
 * (recorded in `tags`, so a later read of the tag is checked against it).
 */
export async function manifestDigest(
  transport: Transport,
  repository: string,
  reference: string,
  signal?: AbortSignal,
  tags?: TagDigests,
): Promise<string | undefined> {
  // A GET, not a HEAD: a manifest is a few KB, and undici closes the connection after every HEAD (a new
  // connection, one more round trip, for the next request). Its bytes are checked as getManifest checks them.
  return (await readManifest(transport, repository, reference, { signal, tags, missingOk: true, what: `checking manifest ${repository}:${reference}` }))
    ?.digest;
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

/**
 * Deletes a tag (`DELETE /v2/<name>/manifests/<tag>`, which the distribution spec allows for tags; the
 * manifest stays). False when the registry does not delete tags (Docker's distribution 2.x answers
 * 400/405, or deletion is turned off): the tag then stays.
 */
export async function deleteTag(transport: Transport, repository: string, tag: string, signal?: AbortSignal): Promise<boolean> {
  const response = await transport.send({
    method: 'DELETE',
    url: `/v2/${repository}/manifests/${tag}`,
    scopes: repositoryScopes(repository, true),
    expect: [200, 202, 204, 400, 405, 501],
    what: `deleting tag ${repository}:${tag}`,
    signal,
  });
  await response.body.dump();
  return response.status < 300;
}
