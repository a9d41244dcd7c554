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

/** What makes images: the Docker CLI (docker-builder.ts) or, without an engine, the native OCI builder. */
export interface ImageBuilder {
  readonly name: string;
  /**
   * Once before the parallel phase: check the engine, log in to each registry. `plans` are the models
   * about to run, for work a builder can start early (the native builder reads their base images).
   */
  prepare(credentials: readonly RegistryCredentials[], ctx: StepContext, plans?: readonly ModelPlan[]): Promise<void>;
  build(plan: ModelPlan, ctx: StepContext): Promise<void>;
  push(plan: ModelPlan, ctx: StepContext): Promise<PushResult>;
  /** Always called at the end, whatever happened: removes temporary credentials. */
  dispose(): Promise<void>;
}
