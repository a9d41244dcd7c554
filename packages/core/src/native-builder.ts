import {
  buildImageConfig,
  jsonBytes,
  buildManifest,
  digestLayer,
  fileBlobStore,
  LayerCache,
  maxUploadSlots,
  parseReference,
  prepareLayer,
  pushImage,
  RegistryClient,
  RegistryError,
  isResetError,
  RetryableStatus,
  resolveBaseImage,
  sha256Digest,
  sourceDateEpoch,
  walkDirectory,
  writeDockerArchive,
  writeFileAtomic,
  writeOciLayout,
  type BaseImage,
  type ImageBlobs,
  type ImageConfig,
  type LayerEntry,
  type PreparedLayer,
} from '@uai/oci';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ImageBuilder, PushResult, RegistryCredentials, StepContext } from './builder.js';
import { credentialFor } from './credentials.js';
import { UaiError } from './errors.js';
import { appDir, contextCodeDir, dockerfileName, type EnvVar, type ModelPlan } from './plan.js';
import { renderModel } from './render.js';
import { defaultTemplatesDir, templateFiles } from './templates.js';

export interface NativeBuilderOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * Where the image also goes: `oci:<dir>` (an OCI image layout) or `docker-archive:<file>` (for
   * `docker load`). Relative paths start at the project root. @default none
   */
  output?: string;
  /** Whether `push` follows `build`; when not, `build` hashes every layer itself. @default true */
  push?: boolean;
  /** Push even when the registry's image was made from the same inputs. @default false */
  force?: boolean;
  /** Blobs uploaded (or checked, or mounted) at once per model. @default 6 */
  concurrency?: number;
  /**
   * Retries of a registry request on 5xx/429/resets. @default `UAI_PUSH_RETRIES`/`UAI_RETRY_DELAY_MS`
   * when set, else 4 retries from 250 ms
   */
  retry?: { retries?: number; baseDelayMs?: number };
  /** Big blobs sent to one registry at once, over all models (1-4). @default `UAI_MAX_UPLOADS`, else `uploadsFor(cores)` */
  uploads?: number;
}

/** The platform's start command, as Docker stores the Dockerfile's shell-form CMD. */
export const serviceCmd = ['/bin/sh', '-c', `cd ${appDir} && gunicorn -c gunicorn.conf.py httpserver.wsgi`];
/** Label holding the inputs key of an image (see `inputsKey`). */
export const inputsLabel = 'ai.uai.inputs';
/** Label holding the sha256 of the rendered Dockerfile: a template edit changes the inputs key. */
export const dockerfileLabel = 'ai.uai.dockerfile';

interface BuiltModel {
  base: BaseImage;
  baseClient: RegistryClient;
  layers: PreparedLayer[];
  createdBy: string[];
  labels: Record<string, string>;
  env: readonly EnvVar[];
  exposedPorts: string[];
}

/** What a Dockerfile rendered from a custom template asks of the image, when the native builder can do it. */
export interface DockerfileChanges {
  env: EnvVar[];
  labels: Record<string, string>;
  exposedPorts: string[];
}

/**
 * Reads a rendered Dockerfile the native builder may apply: `FROM` the plan's base image, `EXPOSE 8080`,
 * `ENV`, `LABEL key=value`, the two standard `COPY` lines and the standard `CMD`. Values are single words
 * (the `docker` helper of render.ts allows no quotes or whitespace). Anything else throws
 * UAI_BUILD_FAILED naming the line, since only `docker build` can run it.
 */
export function dockerfileChanges(text: string, plan: ModelPlan): DockerfileChanges {
  const env: EnvVar[] = [];
  const labels: Record<string, string> = {};
  const exposedPorts: string[] = [];
  const standard = {
    copyCode: `COPY code/ ${appDir}/`,
    copyConfig: `COPY ${plan.configName} ${appDir}/${plan.configName}`,
    cmd: `CMD cd ${appDir} && gunicorn -c gunicorn.conf.py httpserver.wsgi`,
  };
  const seen = new Set<string>();
  let from = false;
  const fail = (line: string, number: number | undefined, why: string): never => {
    throw new UaiError(
      'UAI_BUILD_FAILED',
      `${path.join(plan.buildDir, dockerfileName)}${number === undefined ? '' : ` line ${number}`}: "${line}": ${why}. The native builder applies only FROM (the model's base image), EXPOSE 8080, ENV, LABEL key=value and the standard COPY and CMD lines of a custom template; use --builder docker.`,
      { model: plan.name, step: 'build' },
    );
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = line.split(/\s+/);
    const instruction = words[0]!.toUpperCase();
    const args = words.slice(1);
    const normal = [instruction, ...args].join(' ');
    const pairs = (what: string) =>
      args.map((word) => {
        const eq = word.indexOf('=');
        if (eq <= 0) fail(line, i + 1, `${what} must be written key=value`);
        return [word.slice(0, eq), word.slice(eq + 1)] as const;
      });
    if (line.endsWith('\\')) fail(line, i + 1, 'line continuations are not supported');
    if (!from && instruction !== 'FROM') fail(line, i + 1, 'the first instruction must be FROM');
    switch (instruction) {
      case 'FROM':
        if (from) fail(line, i + 1, 'only one FROM (no multi-stage builds)');
        if (args.length !== 1 || args[0] !== plan.baseImage) fail(line, i + 1, `FROM must name the model's base image ${plan.baseImage}`);
        from = true;
        break;
      case 'EXPOSE':
        if (args.length !== 1 || args[0] !== '8080') fail(line, i + 1, 'only EXPOSE 8080');
        if (!exposedPorts.includes('8080')) exposedPorts.push('8080');
        break;
      case 'ENV':
        if (args.length === 0) fail(line, i + 1, 'ENV needs key=value');
        for (const [name, value] of pairs('ENV')) {
          const index = env.findIndex((e) => e.name === name);
          if (index === -1) env.push({ name, value });
          else env[index] = { name, value };
        }
        break;
      case 'LABEL':
        if (args.length === 0) fail(line, i + 1, 'LABEL needs key=value');
        for (const [key, value] of pairs('LABEL')) labels[key] = value;
        break;
      case 'COPY':
      case 'CMD': {
        const which = normal === standard.copyCode ? 'copyCode' : normal === standard.copyConfig ? 'copyConfig' : normal === standard.cmd ? 'cmd' : undefined;
        if (!which) fail(line, i + 1, `only the standard ${instruction} line${instruction === 'COPY' ? `s ("${standard.copyCode}", "${standard.copyConfig}")` : ` ("${standard.cmd}")`}`);
        if (seen.has(which!)) fail(line, i + 1, 'repeated');
        seen.add(which!);
        break;
      }
      default:
        fail(line, i + 1, `${instruction} is not supported`);
    }
  }
  for (const [key, line] of Object.entries(standard)) {
    if (!seen.has(key)) fail(line, undefined, 'the template leaves out this standard line');
  }
  return { env, labels, exposedPorts };
}

/** The Dockerfile the built-in template renders for this plan. */
async function standardDockerfile(plan: ModelPlan): Promise<string> {
  const read = async (file: string) => ({ path: path.join(defaultTemplatesDir, file), source: await readFile(path.join(defaultTemplatesDir, file), 'utf8') });
  const files = renderModel(plan, { dockerfile: await read(templateFiles.dockerfile), serviceConfig: await read(templateFiles.serviceConfig) });
  return files.find((file) => file.path === dockerfileName)!.contents;
}

/**
 * One big upload per core, at least 2 and at most `maxUploadSlots` (4). With a registry bound by its own
 * CPU and disk, 8 models at once finished in 3.4-4.1 s with 2 uploads at a time against 3.9-4.6 s with 8
 * on the 2-core bench machine: see `UploadSlots` and docs/decisions.md.
 */
export function uploadsFor(cores: number): number {
  return Math.min(maxUploadSlots, Math.max(2, cores));
}

function uploadsFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const text = env.UAI_MAX_UPLOADS;
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > maxUploadSlots) {
    throw new UaiError('UAI_USAGE', `UAI_MAX_UPLOADS=${JSON.stringify(text)} is not a whole number from 1 to ${maxUploadSlots}. Fix or unset it.`);
  }
  return Number(text);
}

/**
 * The blobs of the manifest a tag holds now (`current`), from `.uai/cache/images.json`: only when the
 * record is for this very image and that very manifest (another pusher may have moved the tag since),
 * else undefined.
 */
export async function blobsHeldBy(imagesFile: string, model: string, imageRef: string, current: string): Promise<ReadonlySet<string> | undefined> {
  const data = await readFile(imagesFile, 'utf8')
    .then((text) => JSON.parse(text) as Record<string, unknown>)
    .catch(() => undefined);
  const record = data?.[model] as { image?: unknown; digest?: unknown; blobs?: unknown } | undefined;
  if (record?.image !== imageRef || record.digest !== current || !Array.isArray(record.blobs)) return undefined;
  return new Set(record.blobs.filter((blob): blob is string => typeof blob === 'string' && /^sha256:[0-9a-f]{64}$/.test(blob)));
}

function retryFromEnv(env: NodeJS.ProcessEnv): { retries?: number; baseDelayMs?: number } {
  const number = (name: string) => (env[name] && /^\d+$/.test(env[name]!) ? Number(env[name]) : undefined);
  return { retries: number('UAI_PUSH_RETRIES'), baseDelayMs: number('UAI_RETRY_DELAY_MS') };
}

/** `models/mnist/` -> `models/mnist`; undefined for none or `.`. */
function cleanModelDir(modelDir: string | undefined): string | undefined {
  if (!modelDir) return undefined;
  const clean = path.posix.normalize(modelDir.replaceAll('\\', '/')).replace(/^\.\/|\/+$/g, '');
  return clean && clean !== '.' ? clean : undefined;
}

/**
 * Splits the build folder into the layers of a UAI image: model weights (modelDir, uncompressed),
 * the rest of the code (gzip), and the service config (gzip). A code change re-pushes only the small ones.
 */
export async function modelLayerEntries(plan: ModelPlan): Promise<{ name: string; gzip: boolean; createdBy: string; entries: LayerEntry[] }[]> {
  const prefix = appDir.replace(/^\//, '');
  const modelDir = cleanModelDir(plan.model.modelDir);
  const inWeights = (rel: string) => modelDir !== undefined && (rel === modelDir || rel.startsWith(`${modelDir}/`));
  const codeRoot = path.join(plan.buildDir, contextCodeDir);
  const all = await walkDirectory(codeRoot, { prefix, skip: (rel) => rel === plan.configName });
  const weights = all.filter((entry) => inWeights(entry.path.slice(prefix.length + 1)));
  const code = all.filter((entry) => !inWeights(entry.path.slice(prefix.length + 1)));
  const configFile = path.join(plan.buildDir, plan.configName);
  const configInfo = await stat(configFile);
  const config: LayerEntry = { path: `${prefix}/${plan.configName}`, type: 'file', mode: 0o644, size: configInfo.size, contents: await readFile(configFile) };
  const layers = [];
  if (weights.length > 0) layers.push({ name: 'weights', gzip: false, createdBy: `COPY code/${modelDir} ${appDir}/${modelDir}`, entries: weights });
  layers.push({ name: 'code', gzip: true, createdBy: `COPY code/ ${appDir}/`, entries: code.length > 0 ? code : [{ path: prefix, type: 'directory' as const, mode: 0o755, size: 0 }] });
  layers.push({ name: 'config', gzip: true, createdBy: `COPY ${plan.configName} ${appDir}/${plan.configName}`, entries: [config] });
  return layers;
}

/** Maps a registry failure to the error the user sees, with the step it happened in. */
function toUaiError(error: unknown, plan: ModelPlan, step: 'build' | 'push' | 'login', host: string, signal?: AbortSignal): unknown {
  if (error instanceof UaiError) return error;
  // Stopped: whatever the abort broke on the way (a hash worker, a stream) is a cancellation.
  if ((error as Error)?.name === 'AbortError' || signal?.aborted) return new UaiError('UAI_CANCELLED', 'Stopped.', { model: plan.name, step, cause: error });
  const failed = step === 'build' ? 'UAI_BUILD_FAILED' : 'UAI_PUSH_FAILED';
  if (error instanceof RegistryError) {
    const options = { model: plan.name, step, cause: error };
    if (error.kind === 'auth' || error.kind === 'denied' || error.kind === 'insecure') return new UaiError('UAI_AUTH_FAILED', error.message, options);
    if (error.kind === 'unreachable') return new UaiError('UAI_REGISTRY_UNREACHABLE', `${error.message}\nCheck the host name and your network (or UAI_REGISTRY_HOST).`, options);
    if (error.kind === 'unavailable') return new UaiError(failed, error.message, options);
    if (step === 'build') return new UaiError('UAI_BUILD_FAILED', `${error.message}\nCheck aiArchV/baseImage and that ${host} holds it.`, options);
    return new UaiError('UAI_PUSH_FAILED', error.message, options);
  }
  // A passing trouble that got past the client's retries unwrapped (its own wrapping covers requests).
  if (error instanceof RetryableStatus || isResetError(error)) {
    return new UaiError(failed, `${step === 'build' ? 'building' : 'pushing'} ${plan.name} on ${host}: ${(error as Error).message}; the registry is having trouble, try again later.`, {
      model: plan.name,
      step,
      cause: error,
    });
  }
  if ((error as NodeJS.ErrnoException)?.code === 'ENOSPC') {
    return new UaiError('UAI_DISK_FULL', 'No space left on the disk while packing layers. Free some space and run again.', { model: plan.name, step, cause: error });
  }
  return error;
}

function splitOutput(output: string, root: string): { kind: 'oci' | 'docker-archive'; target: string } {
  const match = /^(oci|docker-archive):(.+)$/.exec(output);
  if (!match) throw new UaiError('UAI_USAGE', `--output ${output}: expected oci:<dir> or docker-archive:<file>.`);
  return { kind: match[1] as 'oci' | 'docker-archive', target: path.resolve(root, match[2]!) };
}

/**
 * Builds and pushes without a Docker engine: reads the base image from its registry, adds our three
 * layers, ENV, EXPOSE and CMD, and pushes blobs then the manifest over the distribution API.
 */
export interface NativeBuilder extends ImageBuilder {
  /** The inputs key of a built model (after `build`, or after `push` when its weights were hashed on the way). */
  inputsKey(plan: ModelPlan): string | undefined;
  /**
   * The image the registry holds under the model's tag, read with the current credentials: its manifest
   * digest and its `ai.uai.inputs` label (undefined without one); undefined when there is no such image.
   * Lets a Docker build be skipped too.
   */
  registryInputs(plan: ModelPlan, ctx: StepContext): Promise<{ digest: string; inputs?: string } | undefined>;
}

export function nativeBuilder(options: NativeBuilderOptions = {}): NativeBuilder {
  const env = options.env ?? process.env;
  /** UHUB_USERNAME/UHUB_PASSWORD for the hosts the run pushes to, given in prepare. */
  let envCredentials: readonly RegistryCredentials[] = [];
  const clients = new Map<string, RegistryClient>();
  const built = new Map<string, BuiltModel>();
  const keys = new Map<string, string>();
  /** Each model's tag digest, asked for in build (see there). */
  const tagDigests = new Map<string, Promise<string | undefined>>();
  const caches = new Map<string, LayerCache>();
  /** Models that share a base read it once. */
  const bases = new Map<string, Promise<BaseImage>>();
  const mtime = sourceDateEpoch(env);
  let log: (line: string) => void = () => {};
  const fromEnv = retryFromEnv(env);
  // Without a push there are no uploads (the docker builder's skip check): nothing to read or refuse.
  const uploads = options.push === false ? 1 : (options.uploads ?? uploadsFromEnv(env) ?? uploadsFor(os.availableParallelism()));
  const retry = {
    ...(fromEnv.retries !== undefined ? { retries: fromEnv.retries } : {}),
    ...(fromEnv.baseDelayMs !== undefined ? { baseDelayMs: fromEnv.baseDelayMs } : {}),
    ...options.retry,
  };

  function clientFor(host: string): RegistryClient {
    let client = clients.get(host);
    if (!client) {
      client = new RegistryClient({
        host,
        credential: () => credentialFor(host, envCredentials, env),
        log: (line) => log(line),
        retry,
        uploads,
      });
      clients.set(host, client);
    }
    return client;
  }

  function cacheFor(plan: ModelPlan): { layers: LayerCache; blobDir: string } {
    const dir = path.join(path.dirname(path.dirname(plan.buildDir)), 'cache');
    let layers = caches.get(dir);
    if (!layers) {
      layers = new LayerCache(path.join(dir, 'layers.json'));
      caches.set(dir, layers);
    }
    return { layers, blobDir: blobDirOf(dir) };
  }

  /** `.uai/cache/blobs/sha256`: gzip layers and base image configs, by digest. */
  const blobDirOf = (cacheDir: string) => path.join(cacheDir, 'blobs', 'sha256');

  /** The model's base image, read once for all the models that share it (a failed read is tried again). */
  function baseImageOf(plan: ModelPlan, signal: AbortSignal): Promise<BaseImage> {
    let pending = bases.get(plan.baseImage);
    if (!pending) {
      const ref = parseReference(plan.baseImage);
      pending = resolveBaseImage(clientFor(ref.host), ref, { signal, store: fileBlobStore(cacheFor(plan).blobDir) });
      bases.set(plan.baseImage, pending);
      pending.catch(() => bases.delete(plan.baseImage));
    }
    return pending;
  }

  /** The image the model's tag holds: its digest and the inputs key it was labelled with (see `NativeBuilder`). */
  async function heldInputs(plan: ModelPlan, ctx: StepContext): Promise<{ digest: string; inputs?: string } | undefined> {
    const ref = parseReference(plan.imageRef);
    try {
      const image = await resolveBaseImage(clientFor(ref.host), ref, { signal: ctx.signal });
      // The tag's own digest (an index's, when Docker pushed one): what `docker push` reported.
      return { digest: image.referenceDigest, inputs: image.config.config?.Labels?.[inputsLabel] };
    } catch (error) {
      if (error instanceof RegistryError && error.kind === 'not-found') return undefined;
      throw toUaiError(error, plan, 'push', ref.host);
    }
  }

  /** The image config; its `ai.uai.inputs` label is the digest of the same config without that label. */
  function makeConfig(model: BuiltModel, plan: ModelPlan, digests: readonly { digest: string; diffId?: string }[]): ImageConfig {
    const changes = {
      env: model.env,
      exposedPorts: model.exposedPorts,
      cmd: serviceCmd,
      labels: model.labels,
      layers: digests.map((d, i) => ({ diffId: d.diffId ?? d.digest, createdBy: model.createdBy[i]! })),
      created: mtime,
    };
    const key = sha256Digest(jsonBytes(buildImageConfig(model.base.config, changes)));
    keys.set(plan.name, key);
    return buildImageConfig(model.base.config, { ...changes, labels: { ...model.labels, [inputsLabel]: key } });
  }

  /** Config and manifest of a model whose layer digests are all known. */
  function composeImage(model: BuiltModel, plan: ModelPlan) {
    const digests = model.layers.map((layer) => ({ digest: layer.digest!, diffId: layer.diffId }));
    const config = jsonBytes(makeConfig(model, plan, digests));
    const configDigest = sha256Digest(config);
    const manifest = jsonBytes(
      buildManifest(model.base.format, { digest: configDigest, size: config.length }, model.base.layers, model.layers.map((l) => ({ digest: l.digest!, size: l.size, gzip: l.gzip }))),
    );
    return { config, configDigest, manifest, manifestDigest: sha256Digest(manifest) };
  }

  /** Hashes the layers no cache knew (a push would have hashed them on the way). */
  async function resolveDigests(model: BuiltModel, signal: AbortSignal): Promise<void> {
    for (const layer of model.layers) {
      if (layer.digest) continue;
      const found = await digestLayer(layer.entries, { gzip: false, mtime, signal });
      layer.digest = found.digest;
      layer.diffId = found.diffId;
      await layer.remember(found.digest);
    }
  }

  /**
   * `.uai/cache/images.json`: what each model's tag was last seen to hold (the manifest's digest and its
   * blobs), and from which inputs.
   */
  let recording: Promise<void> = Promise.resolve();
  function recordImage(plan: ModelPlan, digest: string, manifest: Buffer): Promise<void> {
    // One write at a time: models finish together and share the file.
    recording = recording.then(() => writeRecord(plan, digest, manifest)).catch(() => {});
    return recording;
  }

  const imagesFileOf = (plan: ModelPlan) => path.join(path.dirname(path.dirname(plan.buildDir)), 'cache', 'images.json');

  async function writeRecord(plan: ModelPlan, digest: string, manifest: Buffer): Promise<void> {
    const file = imagesFileOf(plan);
    let data: Record<string, unknown> = {};
    try {
      data = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    } catch {
      // first record
    }
    const parsed = JSON.parse(manifest.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
    const blobs = [parsed.config.digest, ...parsed.layers.map((layer) => layer.digest)];
    data[plan.name] = { image: plan.imageRef, digest, blobs, inputs: keys.get(plan.name), builder: 'native' };
    await writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`);
  }

  async function writeOutput(model: BuiltModel, plan: ModelPlan, ctx: StepContext): Promise<void> {
    const root = path.dirname(path.dirname(path.dirname(plan.buildDir)));
    const { kind, target } = splitOutput(options.output!, root);
    const { config, configDigest, manifest, manifestDigest } = composeImage(model, plan);
    const ref = parseReference(plan.imageRef);
    const image: ImageBlobs = {
      refName: ref.tag ?? 'latest',
      manifest,
      manifestDigest,
      manifestMediaType: model.base.format === 'docker' ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json',
      config,
      configDigest,
      layers: [
        ...model.base.layers.map((layer) => ({
          digest: layer.digest,
          size: layer.size,
          open: async function* () {
            for await (const chunk of await model.baseClient.getBlob(model.base.ref.repository, layer.digest, ctx.signal)) yield chunk as Buffer;
          },
        })),
        ...model.layers.map((layer) => ({ digest: layer.digest!, size: layer.size, open: layer.open })),
      ],
    };
    // Several models into one layout share it (index.json is merged); into one archive, the last one
    // wins: `{model}` in the path names a layout or an archive per model.
    const file = target.replaceAll('{model}', plan.name);
    ctx.log(`writing ${kind}:${file}`);
    if (kind === 'oci') await writeOciLayout(file, { ...image, refName: plan.imageRef }, ctx.signal);
    else await writeDockerArchive(file, image, plan.imageRef, ctx.signal);
  }

  return {
    name: 'native',

    inputsKey: (plan) => keys.get(plan.name),

    registryInputs: heldInputs,

    async prepare(given: readonly RegistryCredentials[], ctx: StepContext, plans: readonly ModelPlan[] = []): Promise<void> {
      log = ctx.log;
      envCredentials = given;
      // Read the base images while the models check, render and assemble, and while we log in: off each
      // build's critical path. A failure is reported by the model that awaits it, in build (a failed
      // login first, below).
      for (const plan of plans) baseImageOf(plan, ctx.signal).catch(() => {});
      for (const host of new Set(given.map((credential) => credential.host))) {
        try {
          await clientFor(host).login(ctx.signal);
        } catch (error) {
          if (error instanceof RegistryError && error.kind === 'unreachable') continue; // the models say so, each
          throw toUaiError(error, { name: '' } as ModelPlan, 'login', host);
        }
      }
    },

    async build(plan: ModelPlan, ctx: StepContext): Promise<void> {
      if (options.push !== false && !options.force) {
        // What the tag holds now, asked while the layers are packed: push needs it to skip an unchanged
        // model, and to know which blobs need no look. A failure is reported by push, which awaits it.
        const ref = parseReference(plan.imageRef);
        const current = clientFor(ref.host).manifestDigest(ref.repository, ref.tag ?? 'latest', ctx.signal);
        current.catch(() => {});
        tagDigests.set(plan.name, current);
      }
      const baseRef = parseReference(plan.baseImage);
      const baseClient = clientFor(baseRef.host);
      let base: BaseImage;
      try {
        ctx.log(`reading base image ${plan.baseImage}`);
        base = await baseImageOf(plan, ctx.signal);
      } catch (error) {
        throw toUaiError(error, plan, 'build', `${baseRef.host}/${baseRef.repository}`, ctx.signal);
      }
      let model: BuiltModel;
      try {
        const dockerfile = await readFile(path.join(plan.buildDir, dockerfileName), 'utf8').catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
          throw new UaiError('UAI_BUILD_FAILED', `${path.join(plan.buildDir, dockerfileName)} is missing: the build folder was not assembled.`, { model: plan.name, step: 'build' });
        });
        // A custom template (the project's or a plugin's): apply what it asks, or say it needs docker.
        const custom = dockerfile === (await standardDockerfile(plan)) ? undefined : dockerfileChanges(dockerfile, plan);
        const cache = cacheFor(plan);
        const resolveNow = options.push === false || options.output !== undefined;
        const specs = await modelLayerEntries(plan);
        const layers: PreparedLayer[] = [];
        for (const spec of specs) {
          ctx.log(`packing ${spec.name} layer`);
          layers.push(await prepareLayer(spec.entries, { gzip: spec.gzip, mtime, cache: cache.layers, blobDir: cache.blobDir, resolveNow, signal: ctx.signal }));
        }
        await cache.layers.save();
        model = {
          base,
          baseClient,
          layers,
          createdBy: specs.map((spec) => spec.createdBy),
          labels: {
            ...custom?.labels,
            'ai.uai.model': plan.name,
            'ai.uai.framework': plan.framework,
            'ai.uai.base': `${plan.baseImage}@${base.digest}`,
            [dockerfileLabel]: `sha256:${createHash('sha256').update(dockerfile).digest('hex')}`,
          },
          env: custom?.env ?? plan.env,
          exposedPorts: custom?.exposedPorts ?? ['8080'],
        };
      } catch (error) {
        throw toUaiError(error, plan, 'build', baseRef.host, ctx.signal);
      }
      built.set(plan.name, model);
      // With every digest known, the inputs key is known now (else once the push has hashed the weights).
      if (model.layers.every((layer) => layer.digest)) composeImage(model, plan);
      if (options.output) {
        try {
          await writeOutput(model, plan, ctx);
        } catch (error) {
          throw toUaiError(error, plan, 'build', baseRef.host, ctx.signal);
        }
      }
    },

    async push(plan: ModelPlan, ctx: StepContext): Promise<PushResult & { skipped?: boolean }> {
      const model = built.get(plan.name);
      if (!model) throw new UaiError('UAI_PUSH_FAILED', `${plan.name} was not built before push.`, { model: plan.name, step: 'push' });
      const ref = parseReference(plan.imageRef);
      const target = clientFor(ref.host);
      try {
        let present: ReadonlySet<string> | undefined;
        let freshTag = false;
        // --force asks nothing of the tag and trusts no record: every blob is looked at again.
        if (!options.force) {
          // Unchanged: the tag already holds the very manifest we would push (same inputs, same bytes).
          const current = await (tagDigests.get(plan.name) ?? target.manifestDigest(ref.repository, ref.tag ?? 'latest', ctx.signal));
          freshTag = current === undefined;
          if (current) {
            await resolveDigests(model, ctx.signal);
            const { manifest, manifestDigest } = composeImage(model, plan);
            if (manifestDigest === current) {
              ctx.log(`${plan.name}: unchanged, skipped`);
              await cacheFor(plan).layers.save();
              await recordImage(plan, current, manifest);
              return { digest: current, skipped: true };
            }
            // The blobs of what the tag holds, when we pushed it: a registry keeps every blob of a
            // manifest it holds, so those need neither a look nor a byte.
            await recording;
            present = await blobsHeldBy(imagesFileOf(plan), plan.name, plan.imageRef, current);
            // A tag we have no record of pushing (the Docker builder pushed it, or this is a fresh
            // clone) is skipped all the same when its image was made from the same inputs: its label
            // says so, as the Docker builder's skip reads it. A tag we cannot read only costs the skip.
            if (!present && (await heldInputs(plan, ctx).catch(() => undefined))?.inputs === keys.get(plan.name)) {
              ctx.log(`${plan.name}: unchanged (its tag holds an image of the same inputs), skipped`);
              await cacheFor(plan).layers.save();
              return { digest: current, skipped: true };
            }
          }
        }
        ctx.log(`pushing to ${plan.imageRef}`);
        const result = await pushImage({
          target,
          repository: ref.repository,
          tag: ref.tag ?? 'latest',
          base: model.base,
          baseClient: model.baseClient,
          layers: model.layers,
          diffIds: model.layers.map((layer) => layer.diffId),
          format: model.base.format,
          makeConfig: (digests) => makeConfig(model, plan, digests),
          concurrency: options.concurrency,
          present,
          freshTag,
          signal: ctx.signal,
          log: ctx.log,
        });
        await Promise.all(model.layers.map((layer, i) => (layer.digest ? undefined : layer.remember(result.layerDigests[i]!))));
        await cacheFor(plan).layers.save();
        await recordImage(plan, result.digest, result.manifest);
        return { digest: result.digest };
      } catch (error) {
        throw toUaiError(error, plan, 'push', ref.host, ctx.signal);
      }
    },

    async dispose(): Promise<void> {
      // Saved, then the blobs no record names any more removed (see LayerCache.pruneBlobs).
      await Promise.all(
        [...caches].map(async ([dir, cache]) => {
          await cache.save().catch(() => {});
          await cache.pruneBlobs(blobDirOf(dir)).catch(() => {});
        }),
      );
      await Promise.all([...clients.values()].map((client) => client.close().catch(() => {})));
      clients.clear();
      envCredentials = [];
      built.clear();
      tagDigests.clear();
    },
  };
}
