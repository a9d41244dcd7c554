import { parseReference, writeDockerArchive, writeOciLayout, type ImageBlobs } from '@uai/oci';
import path from 'node:path';
import { UaiError } from '../../errors/uai-error.js';
import type { StepContext } from '../builder.js';
import { composeImage, type Image } from './compose.js';
import { knownDigests, type PackedModel } from './pack.js';

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

type OutputKind = 'oci' | 'docker-archive';

function parseOutput(output: string): { kind: OutputKind; template: string } {
  const match = /^(oci|docker-archive):(.+)$/.exec(output);
  if (!match) throw new UaiError('UAI_USAGE', `--output ${output}: expected oci:<dir> or docker-archive:<file>.`);
  return { kind: match[1] as OutputKind, template: match[2]! };
}

/** The folder or file `--output` names for a model: `{model}` is its name, a relative path starts at the project root. */
export function outputPath(output: string, root: string, model: string): { kind: OutputKind; path: string } {
  const { kind, template } = parseOutput(output);
  return { kind, path: path.resolve(root, template.replaceAll('{model}', model)) };
}

/**
 * An OCI layout names its images by tag, so two models cannot share one: refused (2) before anything
 * is built, naming the fix. (Into one docker-archive, the last model wins, as before.)
 */
export function checkOutputFolders(output: string | undefined, root: string, models: readonly string[]): void {
  if (!output || parseOutput(output).kind !== 'oci') return;
  const byFolder = new Map<string, string>();
  for (const model of models) {
    const folder = outputPath(output, root, model).path;
    const other = byFolder.get(folder);
    if (other !== undefined) throw sharedLayoutError(output, folder, other, model);
    byFolder.set(folder, model);
  }
}

function sharedLayoutError(output: string, folder: string, first: string, second: string): UaiError {
  return new UaiError(
    'UAI_USAGE',
    `--output ${output}: models ${first} and ${second} would both write the OCI layout ${folder}, where images are named by their tag alone. ` +
      `Put {model} in the path for a layout per model (--output ${output.replace(/\/*$/, '')}/{model}), or build one model (--model NAME).`,
  );
}

/**
 * The publisher of `--output oci:<dir>` or `docker-archive:<file>`, the path relative to the project
 * root. `{model}` in it names a layout or an archive per model; into one archive the last one wins.
 *
 * An OCI layout gets the image composed in the OCI family, whatever the base's (same config and layer
 * bytes, OCI media types), so its manifest digest may differ from the one pushed; its ref name is the
 * tag. A docker-archive keeps the pushed image as it is (Docker media types are what `docker load` reads).
 */
export function outputPublisher(output: string, root: string): Publisher {
  const { kind } = parseOutput(output);
  /** Layout folder -> the model that wrote it in this run (a second one would replace its tag's entry). */
  const layouts = new Map<string, string>();
  return {
    kind,
    async publish(packed, image, ctx) {
      const { plan } = packed;
      const file = outputPath(output, root, plan.name).path;
      const tag = parseReference(plan.imageRef).tag ?? 'latest';
      if (kind === 'docker-archive') {
        ctx.log(`writing ${kind}:${file}`);
        await writeDockerArchive(file, imageBlobs(packed, image, tag, ctx.signal), plan.imageRef, ctx.signal);
        return;
      }
      const other = layouts.get(file);
      if (other !== undefined && other !== plan.name) throw sharedLayoutError(output, file, other, plan.name);
      layouts.set(file, plan.name);
      const layoutImage = composeImage(packed.recipe, knownDigests(packed)!, 'oci');
      ctx.log(`writing ${kind}:${file} (${tag}, OCI manifest ${layoutImage.manifestDigest})`);
      await writeOciLayout(file, imageBlobs(packed, layoutImage, tag, ctx.signal), ctx.signal);
    },
  };
}
