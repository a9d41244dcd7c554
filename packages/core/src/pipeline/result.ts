/** What happened to one model of a run: the pipeline records one per model, the report shows them. */
export type ModelStatus = 'pushed' | 'built' | 'skipped' | 'staged' | 'failed' | 'cancelled' | 'planned' | 'passed';

export interface ModelResult {
  name: string;
  /** `<host>/<namespace>/<image>`. */
  image: string;
  status: ModelStatus;
  /** The registry's manifest digest, for pushed images. */
  digest?: string;
  durationMs: number;
  error?: { step: string; code: string; message: string };
}

/** The `error.step` of a model the run stopped before it began (status `cancelled`). */
export const notStartedStep = 'queued';
