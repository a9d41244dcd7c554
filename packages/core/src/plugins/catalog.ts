import type { BaseImageEntry, UaiPlugin } from './plugin.js';

/** What a model gets when it sets no `os` / `pythonVersion` (uai-platform.md's defaults). */
export const defaultOs = 'ubuntu';
export const defaultPythonVersion = 'python-2.7.6';

export type BaseImageChoice =
  | { ok: true; entry: BaseImageEntry }
  | { ok: false; message: string /** The model key to fix. */; key: 'aiArchV' | 'os' | 'pythonVersion' };

/** `caffe-intel 1.0.0` and `Caffe-1.0.0 ` name the same thing as their tidy forms. */
export function normalizeKey(value: string): string {
  return value.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** `python-2.7.6` -> `2.7`: images are told apart by major.minor, and docs mix `2.7` with `2.7.6`. */
function pythonMinor(value: string): string {
  const match = /(\d+)\.(\d+)/.exec(value);
  return match ? `${match[1]}.${match[2]}` : normalizeKey(value);
}

/** `ubuntu` matches every ubuntu image; `ubuntu-16.04` only that one. */
function osMatches(wanted: string, entry: string): boolean {
  const w = normalizeKey(wanted);
  const e = normalizeKey(entry);
  return e === w || e.startsWith(`${w}-`);
}

function describe(entry: BaseImageEntry): string {
  return `${entry.os}/${entry.python} (${entry.image})`;
}

/**
 * Picks the base image for a model from its plugin's catalog: the entries of its `aiArchV`, narrowed
 * by `os` and `pythonVersion`; the catalog's first match wins, so each plugin lists its default first.
 */
export function chooseBaseImage(
  plugin: Pick<UaiPlugin, 'catalog' | 'framework'>,
  wanted: { aiArchV: string; os: string; pythonVersion: string },
): BaseImageChoice {
  const arch = normalizeKey(wanted.aiArchV);
  const forArch = plugin.catalog.filter((entry) => normalizeKey(entry.aiArchV) === arch);
  if (forArch.length === 0) {
    const known = [...new Set(plugin.catalog.map((entry) => entry.aiArchV))].join(', ');
    return {
      ok: false,
      key: 'aiArchV',
      message: `unknown aiArchV "${wanted.aiArchV}" for framework ${plugin.framework}; known: ${known || 'none'}. Or set baseImage to a full image reference.`,
    };
  }
  const match = forArch.find((entry) => osMatches(wanted.os, entry.os) && pythonMinor(entry.python) === pythonMinor(wanted.pythonVersion));
  // Left at their defaults, os and pythonVersion mean "whatever this aiArchV has": its first image.
  if (!match && normalizeKey(wanted.os) === defaultOs && normalizeKey(wanted.pythonVersion) === defaultPythonVersion) {
    return { ok: true, entry: forArch[0] };
  }
  if (!match) {
    return {
      ok: false,
      key: forArch.some((entry) => osMatches(wanted.os, entry.os)) ? 'pythonVersion' : 'os',
      message: `no ${wanted.aiArchV} base image for os "${wanted.os}" and pythonVersion "${wanted.pythonVersion}"; available: ${forArch
        .map(describe)
        .join(', ')}. Set os/pythonVersion to one of them, or set baseImage.`,
    };
  }
  return { ok: true, entry: match };
}
