import { parseReference, writeDockerArchive, writeOciLayout, type ImageBlobs } from '@uai/oci';
import path from 'node:path';
import { UaiError } from '../../errors/uai-error.js';
import type { StepContext } from '../builder.js';
import type { Image } from './compose.js';
import type { PackedModel } from './pack.js';

/** Where an image goes besides (or instead of) its registry: a file or folder `--output` names. */
export interface Publisher {
  /** `oci` or `docker-archive`. */
  readonly kind: string;
  publish(packed: PackedModel, image: Image, ctx: StepContext): Promise<void>;
}

/** Every blob of a model's image, reachable: the base's layers read from its registry, ours from disk. */
function imageBlobs(packed: PackedModel, image: Image, refName: string, signal: AbortSignal): ImageBlobs {
  const { base } = packed.recipe;
  return {
    refName,
    manifest: image.manifest,
    manifestDigest: image.manifestDigest,
    manifestMediaType: image.manifestMediaType,
    config: image.config,
    configDigest: image.configDigest,
    layers: [
      ...base.layers.map((layer) => ({
        digest: layer.digest,
        size: layer.size,
        open: async function* () {
          for await (const chunk of await packed.baseClient.getBlob(base.ref.repository, layer.digest, signal)) yield chunk as Buffer;
        },
      })),
      ...packed.layers.map((layer) => ({ digest: layer.digest!, size: layer.size, open: layer.open })),
    ],
  };
}

/**
 * The publisher of `--output oci:<dir>` or `docker-archive:<file>`, the path relative to the project
 * root. `{model}` in it names a layout or an archive per model; several models into one layout share it
 * (index.json is merged), into one archive the last one wins.
 */
export function outputPublisher(output: string, root: string): Publisher {
  const match = /^(oci|docker-archive):(.+)$/.exec(output);
  if (!match) throw new UaiError('UAI_USAGE', `--output ${output}: expected oci:<dir> or docker-archive:<file>.`);
  const kind = match[1] as 'oci' | 'docker-archive';
  const target = path.resolve(root, match[2]!);
  return {
    kind,
    async publish(packed, image, ctx) {
      const { plan } = packed;
      const file = target.replaceAll('{model}', plan.name);
      ctx.log(`writing ${kind}:${file}`);
      if (kind === 'oci') await writeOciLayout(file, imageBlobs(packed, image, plan.imageRef, ctx.signal), ctx.signal);
      else await writeDockerArchive(file, imageBlobs(packed, image, parseReference(plan.imageRef).tag ?? 'latest', ctx.signal), plan.imageRef, ctx.signal);
    },
  };
}
