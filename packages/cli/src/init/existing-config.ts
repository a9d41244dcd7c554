import { searchPlaces } from '@uai/core';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The config file `uai build` would load from `dir`, if there is one: any of cosmiconfig's search
 * places, and package.json only when it has a `"uai"` key (as cosmiconfig reads it). Returns its name.
 */
export async function existingConfig(dir: string): Promise<string | undefined> {
  for (const place of searchPlaces) {
    const text = await readFile(path.join(dir, place), 'utf8').catch((error: NodeJS.ErrnoException) => {
      // A folder or an unreadable file by a config's name still stops init: it is not ours to replace.
      return error.code === 'ENOENT' ? undefined : '';
    });
    if (text === undefined) continue;
    if (place !== 'package.json') return place;
    if (hasUaiKey(text)) return `${place} ("uai" key)`;
  }
  return undefined;
}

function hasUaiKey(packageJson: string): boolean {
  try {
    const parsed: unknown = JSON.parse(packageJson);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.hasOwn(parsed, 'uai');
  } catch {
    return false;
  }
}
