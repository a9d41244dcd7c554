/** An image reference split into registry host, repository, tag and digest. */
export interface ImageReference {
  /** `host[:port]` as written; Docker Hub is `registry-1.docker.io`. */
  host: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const dockerHub = 'registry-1.docker.io';

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
  let host = written ?? dockerHub;
  const repository = written ? rest.slice(written.length + 1) : rest.includes('/') ? rest : `library/${rest}`;
  if (host === 'docker.io' || host === 'index.docker.io') host = dockerHub;
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

export function formatReference(ref: ImageReference): string {
  return `${ref.host}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Loopback hosts may be spoken to over plain http, with credentials. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}
