/** Media types of the two manifest families a registry may hold. */
export const mediaTypes = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociForeignLayerGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
} as const;

export type ManifestFormat = 'docker' | 'oci';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

/** Every manifest type we read, for the Accept header. */
export const manifestAccept = [mediaTypes.ociIndex, mediaTypes.dockerManifestList, mediaTypes.ociManifest, mediaTypes.dockerManifest].join(', ');

export function isIndex(mediaType: string | undefined): boolean {
  return mediaType === mediaTypes.ociIndex || mediaType === mediaTypes.dockerManifestList;
}

export function formatOf(manifestMediaType: string | undefined): ManifestFormat {
  return manifestMediaType === mediaTypes.dockerManifest ? 'docker' : 'oci';
}

/** The layer media type for a format and compression. */
export function layerMediaType(format: ManifestFormat, gzip: boolean): string {
  if (format === 'docker') return gzip ? mediaTypes.dockerLayerGzip : mediaTypes.dockerLayer;
  return gzip ? mediaTypes.ociLayerGzip : mediaTypes.ociLayer;
}

const toOci: Record<string, string> = {
  [mediaTypes.dockerLayerGzip]: mediaTypes.ociLayerGzip,
  [mediaTypes.dockerLayer]: mediaTypes.ociLayer,
  [mediaTypes.dockerForeignLayerGzip]: mediaTypes.ociForeignLayerGzip,
  [mediaTypes.dockerConfig]: mediaTypes.ociConfig,
};
const toDocker: Record<string, string> = Object.fromEntries(Object.entries(toOci).map(([docker, oci]) => [oci, docker]));

/** The same blob described in the other family's terms (bytes and digest unchanged). */
export function convertMediaType(mediaType: string, format: ManifestFormat): string {
  return (format === 'oci' ? toOci[mediaType] : toDocker[mediaType]) ?? mediaType;
}

/** Picks linux/amd64 (or the wanted platform) from an index. */
export function choosePlatform(index: ImageIndex, wanted: Platform = { os: 'linux', architecture: 'amd64' }): Descriptor | undefined {
  return index.manifests.find(
    (m) => m.platform?.os === wanted.os && m.platform?.architecture === wanted.architecture && (!wanted.variant || m.platform?.variant === wanted.variant),
  );
}
