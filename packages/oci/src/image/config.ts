/** The parts of an image config we read and write; everything else in the base's config is kept as is. */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  created?: string;
  config?: {
    Env?: string[];
    Cmd?: string[];
    Entrypoint?: string[] | null;
    ExposedPorts?: Record<string, object>;
    Labels?: Record<string, string>;
    WorkingDir?: string;
    [key: string]: unknown;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[];
  [key: string]: unknown;
}

export interface AddedLayer {
  diffId: string;
  /** The history line, like a Dockerfile instruction. */
  createdBy: string;
}

export interface ConfigChanges {
  env: readonly { name: string; value: string }[];
  exposedPorts: readonly string[];
  cmd: readonly string[];
  labels: Record<string, string>;
  layers: readonly AddedLayer[];
  /** Seconds since the epoch for `created` (0 or SOURCE_DATE_EPOCH): never the clock. */
  created: number;
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** Merges `NAME=value` pairs: a name we set replaces the base's, in its place; new names go last. */
export function mergeEnv(base: readonly string[], added: readonly { name: string; value: string }[]): string[] {
  const out = [...base];
  for (const { name, value } of added) {
    const index = out.findIndex((line) => line.split('=', 1)[0] === name);
    if (index === -1) out.push(`${name}=${value}`);
    else out[index] = `${name}=${value}`;
  }
  return out;
}

/**
 * The new image's config: the base's, with our Env, ExposedPorts, Cmd, Labels, layers and history.
 * `container`/`container_config` describe how the base was built and are dropped; no clock time enters.
 */
export function buildImageConfig(base: ImageConfig, changes: ConfigChanges): ImageConfig {
  const created = isoTime(changes.created);
  const { container: _container, container_config: _containerConfig, docker_version: _dockerVersion, ...rest } = base as ImageConfig & Record<string, unknown>;
  const config = { ...(base.config ?? {}) };
  config.Env = mergeEnv(config.Env ?? [], changes.env);
  config.ExposedPorts = { ...(config.ExposedPorts ?? {}) };
  for (const port of changes.exposedPorts) config.ExposedPorts[port.includes('/') ? port : `${port}/tcp`] = {};
  config.Cmd = [...changes.cmd];
  config.Labels = { ...(config.Labels ?? {}), ...changes.labels };
  const history = [...(base.history ?? [])];
  for (const port of changes.exposedPorts) history.push({ created, created_by: `EXPOSE ${port}`, comment: 'uai', empty_layer: true });
  for (const { name, value } of changes.env) history.push({ created, created_by: `ENV ${name}=${value}`, comment: 'uai', empty_layer: true });
  for (const layer of changes.layers) history.push({ created, created_by: layer.createdBy, comment: 'uai' });
  history.push({ created, created_by: `CMD ${JSON.stringify(changes.cmd)}`, comment: 'uai', empty_layer: true });
  return {
    ...rest,
    architecture: base.architecture ?? 'amd64',
    os: base.os ?? 'linux',
    created,
    config,
    rootfs: { type: 'layers', diff_ids: [...(base.rootfs?.diff_ids ?? []), ...changes.layers.map((layer) => layer.diffId)] },
    history,
  };
}
