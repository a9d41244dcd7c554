/**
 * Every error `uai` expects to happen is a `UaiError` with a stable code. The message says what
 * happened, then what to do. The CLI prints known errors without a stack and maps them to an exit code.
 */
export type UaiErrorCode =
  | 'UAI_CONFIG_NOT_FOUND'
  | 'UAI_CONFIG_LOAD_FAILED'
  | 'UAI_CONFIG_INVALID'
  | 'UAI_USAGE'
  | 'UAI_PLUGIN_NOT_FOUND'
  | 'UAI_PLUGIN_INVALID'
  | 'UAI_PLUGIN_CONFLICT'
  | 'UAI_PLUGIN_HOOK_FAILED'
  | 'UAI_BASE_IMAGE_UNKNOWN'
  | 'UAI_TEMPLATE_FAILED'
  | 'UAI_MODEL_FILE_MISSING'
  | 'UAI_UNSAFE_PATH'
  | 'UAI_ENGINE_UNAVAILABLE'
  | 'UAI_DOCKER_NOT_INSTALLED'
  | 'UAI_AUTH_FAILED'
  | 'UAI_REGISTRY_UNREACHABLE'
  | 'UAI_BUILD_FAILED'
  | 'UAI_PUSH_FAILED'
  | 'UAI_DISK_FULL'
  | 'UAI_INTERRUPTED'
  | 'UAI_CANCELLED';

/** Exit status per interface.md: 1 a model failed, 2 config or command line invalid, 130 interrupted. */
const exitCodes: Partial<Record<UaiErrorCode, number>> = {
  UAI_CONFIG_NOT_FOUND: 2,
  UAI_CONFIG_LOAD_FAILED: 2,
  UAI_CONFIG_INVALID: 2,
  UAI_USAGE: 2,
  UAI_PLUGIN_NOT_FOUND: 2,
  UAI_PLUGIN_INVALID: 2,
  UAI_PLUGIN_CONFLICT: 2,
  UAI_BASE_IMAGE_UNKNOWN: 2,
  UAI_INTERRUPTED: 130,
};

export interface UaiErrorOptions {
  cause?: unknown;
  /** The model the error belongs to, when there is one. */
  model?: string;
  /** The pipeline step that failed (`check`, `render`, `build`, `push`, `login`). */
  step?: string;
  /** The plugin whose hook threw. */
  plugin?: string;
}

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
    return exitCodes[this.code] ?? 1;
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

/**
 * Formats a zod-style path array as `models[1].modelName`. A key that is not a plain name (an unknown
 * key with a space, a dot or a newline in it) is quoted, `models[0]["main class"]`, so it reads as one key.
 */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(typeof part === 'symbol' ? part.toString() : part)}]`;
  }
  return out;
}

/** A value quoted for a message: escaped (a newline shows as \n), and cut short when long. */
export function quoteValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}
