import { errorCatalogue, type UaiErrorCode } from './catalogue.js';

export type { UaiErrorCode };

export interface UaiErrorOptions {
  cause?: unknown;
  /** The model the error belongs to, when there is one. */
  model?: string;
  /** The pipeline step that failed (`check`, `render`, `build`, `push`, `login`). */
  step?: string;
  /** The plugin whose hook threw. */
  plugin?: string;
}

/**
 * Every error `uai` expects to happen is a `UaiError` with a stable code (errors/catalogue.ts). The
 * message says what happened, then what to do. The CLI prints known errors without a stack and exits
 * with the code's status.
 */
export class UaiError extends Error {
  readonly code: UaiErrorCode;
  readonly model?: string;
  readonly step?: string;
  readonly plugin?: string;

  constructor(code: UaiErrorCode, message: string, options: UaiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UaiError';
    this.code = code;
    this.model = options.model;
    this.step = options.step;
    this.plugin = options.plugin;
  }

  get exitCode(): number {
    return errorCatalogue[this.code].exitCode;
  }
}

/** One problem found in a config, addressed by its path (`models[1].modelName`). */
export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends UaiError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[], file?: string) {
    const where = file ? ` in ${file}` : '';
    const lines = issues.map((issue) => `  ${issue.path ? `${issue.path}: ` : ''}${issue.message}`);
    super('UAI_CONFIG_INVALID', `The config${where} is invalid:\n${lines.join('\n')}`);
    this.issues = issues;
  }
}

export function isUaiError(error: unknown): error is UaiError {
  return error instanceof UaiError;
}

/** What a result records of an error that ended a model: its step, code and message. */
export function errorInfo(error: unknown, step: string): { step: string; code: string; message: string } {
  if (isUaiError(error)) return { step: error.step ?? step, code: error.code, message: error.message };
  return { step, code: 'UAI_INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
