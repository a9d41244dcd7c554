// The one export list of @uai/oci: what its users (@uai/core) need, nothing else. Folders as in
// go-containerregistry: name (references, registry hosts), image (configs, manifests, digests), layer
// (tar layers), cache, authn (credentials), remote (the registry client), layout (outputs).
export {
  parseReference,
  referenceTarget,
  writtenRegistryHost,
  registryHostOf,
  registryNameOf,
  canonicalRegistryHost,
  credentialServerUrl,
  dockerHubHost,
  dockerHubServerUrl,
  type ImageReference,
} from './name/reference.js';
export { buildImageConfig, type ImageConfig } from './image/config.js';
export { buildManifest } from './image/manifest.js';
export { mediaTypes, type ManifestFormat } from './image/media-types.js';
export { jsonBytes, sha256Digest } from './image/digest.js';
export { digestLayer, sourceDateEpoch, type LayerEntry } from './layer/layer.js';
export { walkDirectory } from './layer/entries.js';
export { prepareLayer, type PreparedLayer } from './layer/prepare-layer.js';
export { LayerCache } from './cache/layer-cache.js';
export { BlobLocations, type BlobSharing } from './cache/blob-locations.js';
export { fileBlobStore } from './cache/blob-store.js';
export { RegistryHints } from './cache/registry-hints.js';
export { dockerConfigDir, readDockerConfig, type DockerConfigFile } from './authn/docker-config.js';
export { dockerConfigCredential, type Credential } from './authn/credentials.js';
export { RegistryClient } from './remote/client.js';
export { RegistryError } from './remote/errors.js';
export { isResetError, RetryableStatus, retryDelay, type RetryOptions, type RetryPolicy } from './remote/retry.js';
export { maxUploadSlots } from './remote/upload-slots.js';
export { resolveBaseImage, type BaseImage } from './remote/read-image.js';
export { pushImage, type ComposedImage, type LayerDigest } from './remote/push-image.js';
export type { ImageBlobs } from './layout/image-blobs.js';
export { writeOciLayout } from './layout/oci-layout.js';
export { writeDockerArchive } from './layout/docker-archive.js';
export { writeFileAtomic } from './write-atomic.js';
