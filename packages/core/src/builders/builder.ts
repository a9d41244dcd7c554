import type { ModelPlan } from '../plan/plan.js';

/** Credentials for one registry host; the password stays in memory. */
export interface RegistryCredentials {
  host: string;
  username: string;
  password: string;
}

/** How far a layer is hashed or uploaded: `done` of `total` bytes (a retried upload starts again from 0). */
export interface LayerProgress {
  phase: 'hashing' | 'uploading';
  /** `weights`, `code`, `config`, or `base` (a base layer the registry would not mount). */
  layer: string;
  done: number;
  total: number;
}

export interface StepContext {
  signal: AbortSignal;
  /** One line of progress for the model's task. Already masked of secrets by the caller. */
  log: (line: string) => void;
  /** How a layer's hashing or upload goes; the pipeline shows the big ones. @default none */
  progress?: (event: LayerProgress) => void;
}

export interface PushResult {
  /** The registry's manifest digest, `sha256:...`. */
  digest?: string;
  /** The registry already held this image, made from the same inputs: nothing was sent. */
  skipped?: boolean;
}

/** A model's tag to point at a digest its repository holds (staged by `--no-tag`, or as a build left it). */
export interface TagMove {
  /** The model. */
  name: string;
  /** `host/namespace/image:tag`. */
  image: string;
  digest: string;
}

/** What `build` says of a model it did not build: unchanged since its last push (Docker's skip-unchanged). */
export interface BuildResult {
  skipped?: boolean;
}

export interface PushOptions {
  /**
   * Push the blobs and the manifest by digest only: the model's tag is neither created nor moved
   * (`--no-tag`, `--atomic`, and `--test` before the tag moves). Only for a builder that `stages`.
   */
  staged?: boolean;
}

/** What makes images: the Docker CLI (docker-builder.ts) or, without an engine, the native OCI builder. */
export interface ImageBuilder {
  readonly name: string;
  /**
   * Can push an image by digest, leaving its tag alone, for the tag to move later (the native builder).
   * The Docker builder cannot: `docker push` always moves a tag. @default false
   */
  readonly stages?: boolean;
  /** Models in flight it works best with, when neither the config nor --concurrency says. @default the CPU count */
  readonly concurrency?: number;
  /**
   * Once before the parallel phase: check the engine, log in to each registry. `plans` are the models
   * about to run, for work a builder can start early (the native builder reads their base images).
   */
  prepare(credentials: readonly RegistryCredentials[], ctx: StepContext, plans?: readonly ModelPlan[]): Promise<void>;
  /**
   * Before the build: the model's tag holds the image its last push made from these very inputs (`stamp`,
   * see inputsStamp), so there is nothing to build or push; undefined when that is not known. Asked only
   * when pushing, and while `prepare` may still be logging in (it waits for what it needs); a builder
   * without it always builds. @default none
   */
  upToDate?(plan: ModelPlan, stamp: string, ctx: StepContext): Promise<PushResult | undefined>;
  // biome-ignore lint/suspicious/noConfusingVoidType: a builder with nothing to say returns nothing (most do)
  build(plan: ModelPlan, ctx: StepContext): Promise<BuildResult | void>;
  push(plan: ModelPlan, ctx: StepContext, options?: PushOptions): Promise<PushResult>;
  /**
   * Moves tags to digests the builder staged, all or nothing (see builders/native/move-tags.ts). Only a
   * builder that `stages`.
   */
  publish?(moves: readonly TagMove[], ctx: StepContext): Promise<void>;
  /** Always called at the end, whatever happened: removes temporary credentials. */
  dispose(): Promise<void>;
}
