/**
 * Image references and registry hosts: the one place that knows Docker's rules for them, Docker Hub's
 * names included. Everything else asks here.
 */

/** An image reference split into registry host, repository, tag and digest. */
export interface ImageReference {
  /** `host[:port]` as written; Docker Hub is `registry-1.docker.io`. */
  host: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** Docker Hub's registry: the host of a reference that names none, or names `docker.io`. */
export const dockerHubHost = 'registry-1.docker.io';

/** How Docker names Docker Hub in what it prints and in references (`docker.io/library/ubuntu`). */
export const dockerHubName = 'docker.io';

/** The server URL the Docker CLI keys Docker Hub by (config.json, credential helpers): a historical one. */
export const dockerHubServerUrl = 'https://index.docker.io/v1/';

/**
 * The registry host a Docker config key or a written host names: `https://host/v1/` and `host` name the
 * same registry, and `docker.io`, `index.docker.io` (and their URLs) are Docker Hub.
 */
export function canonicalRegistryHost(key: string): string {
  const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'docker.io' ? dockerHubHost : host;
}

/** The server URL the Docker CLI asks a credential helper with for a host (Docker Hub has a historical one). */
export function credentialServerUrl(host: string): string {
  return host === dockerHubHost ? dockerHubServerUrl : host;
}

/**
 * The registry host written in front of a reference's path, by Docker's rule: a first part with `.` or
 * `:`, or `localhost`. Undefined when there is none (the image is on Docker Hub).
 */
export function writtenRegistryHost(reference: string): string | undefined {
  const slash = reference.indexOf('/');
  if (slash === -1) return undefined;
  const first = reference.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : undefined;
}

/** The registry a reference's image is on: the written host (Docker Hub's aliases made one), else Docker Hub. */
export function registryHostOf(reference: string): string {
  const written = writtenRegistryHost(reference);
  return written ? canonicalRegistryHost(written) : dockerHubHost;
}

/**
 * The registry of a reference as Docker names it in messages and output: the host `registryHostOf` gives,
 * with Docker Hub called `docker.io` (`ubuntu:16.04` -> `docker.io`).
 */
export function registryNameOf(reference: string): string {
  const host = registryHostOf(reference);
  return host === dockerHubHost ? dockerHubName : host;
}

/** Parses `host/path:tag@sha256:...`; a first part without `.` or `:` (and not localhost) means Docker Hub. */
export function parseReference(ref: string): ImageReference {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw new Error(`invalid digest in image reference ${ref}`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const written = writtenRegistryHost(rest);
  const host = registryHostOf(rest);
  const repository = written ? rest.slice(written.length + 1) : rest.includes('/') ? rest : `library/${rest}`;
  if (!repository || !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(repository)) {
    throw new Error(`invalid repository in image reference ${ref}`);
  }
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag)) throw new Error(`invalid tag in image reference ${ref}`);
  if (!tag && !digest) tag = 'latest';
  return { host, repository, tag, digest };
}

/** What to ask the registry for: the digest when pinned, else the tag. */
export function referenceTarget(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** Loopback hosts may be spoken to over plain http, with credentials. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}
