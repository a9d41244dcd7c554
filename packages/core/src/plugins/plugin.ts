import type { z } from 'zod';

/** One base image a plugin knows, as a path under the registry host (`uaishare/...:tag`). */
export interface BaseImageEntry {
  /** The `aiArchV` that selects it, e.g. `caffe-1.0.0`. */
  aiArchV: string;
  /** Path and tag under the registry host, e.g. `uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2`. */
  image: string;
  /** `cpu`, `gpu`, or `mkl` (Intel). */
  device: 'cpu' | 'gpu' | 'mkl';
  /** `ubuntu-14.04`, `ubuntu-16.04`. */
  os: string;
  /** `python-2.7.6`, `python-3.6`. */
  python: string;
}

/** A file the model needs, checked before anything is built. Paths are relative to `packFilePath`. */
export type FileRequirement = { kind: 'file'; path: string; key: string } | { kind: 'non-empty-dir'; path: string; key: string };

/** What a plugin hook sees of a model: the common keys plus its own validated options. */
export interface PluginModel<Options = Record<string, unknown>> {
  name: string;
  framework: string;
  aiArchV: string;
  packFilePath: string;
  mainModule?: string;
  mainClass?: string;
  modelDir?: string;
  image: string;
  os: string;
  pythonVersion: string;
  baseImage?: string;
  options: Options;
}

/** The framework's part of the service config: `{"http_server": {"exec": ..., [key]: section}}`. */
export interface ServiceConfigSection {
  key: string;
  section: Record<string, unknown>;
}

export interface UaiPlugin<Options extends Record<string, unknown> = Record<string, unknown>> {
  /** Package name, used in every error the plugin causes. */
  name: string;
  /** The `framework:` value it serves. */
  framework: string;
  /** Other spellings of `framework:` (`tf` for tensorflow). */
  aliases?: readonly string[];
  /** One line for `uai frameworks`. */
  description?: string;
  /**
   * Schema of the model keys the framework adds (caffe: `modelName`). Keys not in it are an error,
   * unless the schema is a loose object (tensorflow passes extra keys through to its section).
   */
  options: z.ZodType<Options>;
  /** Which common keys the framework needs. @default { mainClass: true, modelDir: true } */
  requires?: { mainClass?: boolean; modelDir?: boolean; baseImage?: boolean };
  /** `aiArchV` used when a model gives none: the newest cpu version. */
  defaultAiArchV: string;
  /** Base images per `aiArchV`; the first entry of an `aiArchV` is its default. */
  catalog: readonly BaseImageEntry[];
  /** Files that must exist before building. */
  modelFiles(model: PluginModel<Options>): FileRequirement[];
  /** The framework section of the generated service config, or null for none (self-defined). */
  serviceConfig(model: PluginModel<Options>): ServiceConfigSection | null;
  /** Extra `ENV` lines (caffe: `PYTHONPATH`). */
  env?(model: PluginModel<Options>): Record<string, string>;
  /**
   * A config file the user supplies instead of a generated one (self-defined), relative to the
   * config's folder; it keeps its own name in the image.
   */
  userConfigFile?(model: PluginModel<Options>): string | undefined;
  /** Absolute paths of templates that replace the defaults for this framework. */
  templates?: { dockerfile?: string; serviceConfig?: string };
}

/** Identity function that exists for type inference, like vite's `defineConfig`. */
export function definePlugin<Options extends Record<string, unknown>>(plugin: UaiPlugin<Options>): UaiPlugin<Options> {
  return plugin;
}
