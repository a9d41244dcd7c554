import {
  buildImageConfig,
  buildManifest,
  jsonBytes,
  mediaTypes,
  sha256Digest,
  type BaseImage,
  type ComposedImage,
  type LayerDigest,
  type ManifestFormat,
} from '@uai/oci';
import type { EnvVar } from '../../plan/plan.js';
import { serviceCmd } from '../../plan/platform.js';

/** Label holding the inputs key of an image: what a later run compares to skip an unchanged model. */
export const inputsLabel = 'ai.uai.inputs';
/** Label holding the sha256 of the rendered Dockerfile: a template edit changes the inputs key. */
export const dockerfileLabel = 'ai.uai.dockerfile';

/** One of our layers, as the image describes it. */
export interface RecipeLayer {
  size: number;
  gzip: boolean;
  /** The history line, like the Dockerfile instruction it stands for. */
  createdBy: string;
}

/** Everything an image is made of but its layers' digests: the base, our layers, ENV, EXPOSE, labels. */
export interface ImageRecipe {
  base: BaseImage;
  layers: readonly RecipeLayer[];
  labels: Readonly<Record<string, string>>;
  env: readonly EnvVar[];
  exposedPorts: readonly string[];
  /** Seconds since the epoch for `created` (0, or SOURCE_DATE_EPOCH): never the clock. */
  created: number;
}

/** The image a recipe makes once its layers' digests are known: config, manifest, and the inputs key. */
export interface Image extends ComposedImage {
  configDigest: string;
  manifestDigest: string;
  /** The digest of the config without the `ai.uai.inputs` label: the label's own value. */
  inputsKey: string;
}

/**
 * Composes the image: the base's config with our ENV, EXPOSE, CMD, labels and layers, and the manifest
 * of the base's layers then ours, in the base's manifest family unless `format` names one (an OCI image
 * layout holds OCI manifests). Pure. The config's `ai.uai.inputs` label is the digest of the same config
 * without that label, so equal inputs give equal images; the config and the layers are the same bytes
 * in either family, only the manifest (and so its digest) differs.
 */
export function composeImage(recipe: ImageRecipe, digests: readonly LayerDigest[], format: ManifestFormat = recipe.base.format): Image {
  const changes = {
    env: recipe.env,
    exposedPorts: recipe.exposedPorts,
    cmd: serviceCmd,
    labels: recipe.labels,
    layers: digests.map((layer, i) => ({ diffId: layer.diffId, createdBy: recipe.layers[i]!.createdBy })),
    created: recipe.created,
  };
  const inputsKey = sha256Digest(jsonBytes(buildImageConfig(recipe.base.config, changes)));
  const config = jsonBytes(buildImageConfig(recipe.base.config, { ...changes, labels: { ...recipe.labels, [inputsLabel]: inputsKey } }));
  const configDigest = sha256Digest(config);
  const ours = digests.map((layer, i) => ({ digest: layer.digest, size: recipe.layers[i]!.size, gzip: recipe.layers[i]!.gzip }));
  const manifest = jsonBytes(buildManifest(format, { digest: configDigest, size: config.length }, recipe.base.layers, ours));
  return {
    config,
    configDigest,
    manifest,
    manifestDigest: sha256Digest(manifest),
    manifestMediaType: format === 'docker' ? mediaTypes.dockerManifest : mediaTypes.ociManifest,
    inputsKey,
  };
}
