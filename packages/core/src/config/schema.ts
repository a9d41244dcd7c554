import { z } from 'zod';
import {
  catalogKeyPattern,
  hostPattern,
  imagePattern,
  imageProblem,
  imageReferencePattern,
  modelNamePattern,
  namespacePattern,
  pythonIdentifierPattern,
  pythonModulePattern,
  unsafeRelativePath,
} from './identifiers.js';
import { quoteValue } from '../errors/format.js';
import type { UaiPlugin } from '../plugins/plugin.js';
import { testSchema } from './test-schema.js';

/** A string that says `required` when missing, instead of zod's type message. */
export function requiredString() {
  return z.string({
    error: (issue) => {
      if (issue.code !== 'invalid_type') return undefined;
      return issue.input === undefined ? 'required' : `expected a string, got ${describeType(issue.input)}`;
    },
  });
}

/**
 * `unsafeRelativePath` as one regular expression, for the JSON Schema (`uai schema`): not empty, no control
 * characters, quotes or backslashes, not absolute (`/x`, `C:`), no `..` component. A test keeps the two in agreement.
 */
export const relativePathPattern = /^(?![A-Za-z]:|\/)(?!(?:[\s\S]*\/)?\.\.(?:\/|$))[^\u0000-\u001f\u007f"'`\\]+$/;

/**
 * `imageProblem` as one regular expression, for the JSON Schema: `imagePattern`, and no registry host in
 * front (a first component with a dot or a colon, or `localhost`). A test keeps the two in agreement.
 */
export const imageJsonPattern = new RegExp(`^(?!(?:[^/]*[.:][^/]*|localhost)/)${imagePattern.source.slice(1)}`);

/** A relative path that must stay inside its base folder. */
export function relativePath() {
  return requiredString()
    .superRefine((value, ctx) => {
      const reason = unsafeRelativePath(value);
      if (reason) ctx.addIssue({ code: 'custom', message: `${quoteValue(value)} ${reason}` });
    })
    .meta({ pattern: relativePathPattern.source });
}

/** Says `required` for a missing object, else what was found instead. */
function objectError(what: string) {
  return {
    error: (issue: { code?: string; input?: unknown }) => {
      if (issue.code !== 'invalid_type') return undefined;
      return issue.input === undefined ? 'required' : `expected ${what}, got ${describeType(issue.input)}`;
    },
  };
}

/** `null` and arrays are worth naming: `typeof` calls both "object". */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function matching(pattern: RegExp, what: string) {
  return requiredString().regex(pattern, { error: (issue) => `${quoteValue(issue.input)} is not valid: must be ${what}` });
}

export const registrySchema = z
  .strictObject(
    {
      host: matching(hostPattern, 'a registry host like uhub.ucloud.cn or 127.0.0.1:5000')
        .default('uhub.ucloud.cn')
        .describe('Registry host: base images are pulled from it and images pushed to it.'),
      internalHost: matching(hostPattern, 'a registry host like uhub.service.ucloud.cn')
        .default('uhub.service.ucloud.cn')
        .describe('Registry host used instead of `host` when `inUhost` is true.'),
      inUhost: z.boolean().default(false).describe('Building inside UCloud: use `internalHost`.'),
      namespace: matching(namespacePattern, 'lowercase letters, digits and . _ - (the UHub repository)').describe(
        'The UHub repository (the old --uhub_registry).',
      ),
    },
    objectError('an object like { namespace: "uai_demo" }'),
  )
  .describe('Where base images come from and images go to.');

/** Keys every model has, whatever its framework. */
export const commonModelShape = {
  name: matching(modelNamePattern, 'lowercase letters, digits and . _ - (used as a folder name)').describe(
    'Unique name, used in logs, --model and the build folder.',
  ),
  framework: requiredString().describe('The framework: one the installed plugins serve (uai frameworks lists them).'),
  aiArchV: matching(catalogKeyPattern, 'a framework version like caffe-1.0.0')
    .optional()
    .describe("Framework and version; picks the base image. @default the plugin's newest cpu version"),
  baseImage: matching(imageReferencePattern, 'a full image reference like host/path:tag')
    .optional()
    .describe('Overrides the catalog: a full image reference, used as given.'),
  // Optional here so `defaults` can give it; validateConfig requires it once defaults are merged.
  packFilePath: relativePath().optional().describe('Folder with the inference code, relative to the config file; all of it is packed.'),
  mainModule: matching(pythonModulePattern, 'a Python module name like mnist_inference').optional().describe('Python module holding the main class.'),
  mainClass: matching(pythonIdentifierPattern, 'a Python class name like MnistModel').optional().describe('Class the server instantiates.'),
  modelDir: relativePath().optional().describe('Model folder, relative to packFilePath.'),
  image: requiredString()
    .check((ctx) => {
      const problem = imageProblem(ctx.value);
      if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, message: `${quoteValue(ctx.value)} is not valid: ${problem}` });
    })
    .meta({ pattern: imageJsonPattern.source })
    .describe('Pushed as <host>/<namespace>/<image>.'),
  os: matching(catalogKeyPattern, 'an OS like ubuntu or ubuntu-16.04').optional().describe('Picks the base image. @default "ubuntu"'),
  pythonVersion: matching(catalogKeyPattern, 'a Python version like python-2.7.6').optional().describe('Picks the base image. @default "python-2.7.6"'),
  test: testSchema(relativePath).optional(),
} as const;

export const commonModelKeys = Object.keys(commonModelShape) as ReadonlyArray<keyof typeof commonModelShape>;

/** Shape of a model before its plugin validates the framework's own keys. */
export const modelSchema = z.looseObject(commonModelShape, objectError('a model object')).describe('One image to build.');

const { name: _name, framework: _framework, image: _image, ...defaultableShape } = commonModelShape;

export const defaultsSchema = z.strictObject(defaultableShape, objectError('an object')).partial().describe('Merged under every model.');

/** `models: [...]`, of `item`. */
export function modelList<T extends z.ZodType>(item: T) {
  return z
    .array(item, {
      error: (issue) => {
        if (issue.code !== 'invalid_type') return undefined;
        return issue.input === undefined ? 'required' : `expected an array of models, got ${describeType(issue.input)}`;
      },
    })
    .min(1, { message: 'declare at least one model' });
}

export const builderSchema = z.enum(['auto', 'docker', 'native']);

export const configSchema = z
  .strictObject(
    {
      $schema: z
        .string()
        .optional()
        .describe('The JSON Schema this file follows, for editors (`uai schema` prints it; @uai/cli ships it as schema.json). Ignored by uai build.'),
      registry: registrySchema,
      defaults: defaultsSchema.default({}),
      concurrency: z
        .number()
        .int()
        .min(1)
        .max(64)
        .optional()
        .describe('Models built at once. @default the number of CPUs with the Docker builder; four per CPU, at most 16, with the native builder'),
      builder: builderSchema.default('auto').describe('Which builder makes the images. @default "auto"'),
      plugins: z
        .array(z.custom<UaiPlugin>((value) => typeof value === 'object' && value !== null, 'expected a plugin object'))
        .default([])
        .describe('Third-party framework plugins, e.g. [onnx()].'),
      models: modelList(modelSchema).describe('The images to build, one per model.'),
    },
    objectError('an object: export default defineConfig({ registry, models })'),
  )
  .describe('uai.config.ts');

/** What a user writes. */
export type UserConfig = z.input<typeof configSchema>;
export type UserModel = z.input<typeof modelSchema> & Record<string, unknown>;
export type RegistryConfig = z.output<typeof registrySchema>;
export type Builder = z.output<typeof builderSchema>;
