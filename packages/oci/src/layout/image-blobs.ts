/** A built image, every blob reachable: what the OCI layout and docker-archive writers need. */
export interface ImageBlobs {
  /** The image's name in an OCI layout: its tag, as `org.opencontainers.image.ref.name` (a docker archive is given its RepoTags apart). */
  refName: string;
  manifest: Buffer;
  manifestDigest: string;
  manifestMediaType: string;
  config: Buffer;
  configDigest: string;
  layers: { digest: string; size: number; open: () => AsyncIterable<Buffer> }[];
}

/** The hex of a `sha256:` digest: a blob's file name in a layout or an archive. */
export function digestHex(digest: string): string {
  return digest.replace(/^sha256:/, '');
}
