import { convertMediaType, layerMediaType, mediaTypes, type Descriptor, type ImageManifest, type ManifestFormat } from './media-types.js';

/** One of our layers as a manifest lists it. */
export interface LayerDescriptorInput {
  digest: string;
  size: number;
  gzip: boolean;
}

/** A manifest of the given family: the base's layer descriptors (relabelled), then ours. */
export function buildManifest(
  format: ManifestFormat,
  config: { digest: string; size: number },
  baseLayers: readonly Descriptor[],
  layers: readonly LayerDescriptorInput[],
  annotations?: Record<string, string>,
): ImageManifest {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: format === 'docker' ? mediaTypes.dockerManifest : mediaTypes.ociManifest,
    config: { mediaType: format === 'docker' ? mediaTypes.dockerConfig : mediaTypes.ociConfig, digest: config.digest, size: config.size },
    layers: [
      ...baseLayers.map((layer) => ({ ...layer, mediaType: convertMediaType(layer.mediaType, format) })),
      ...layers.map((layer) => ({ mediaType: layerMediaType(format, layer.gzip), digest: layer.digest, size: layer.size })),
    ],
  };
  if (annotations && format === 'oci') manifest.annotations = annotations;
  return manifest;
}
