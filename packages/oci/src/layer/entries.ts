import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LayerEntry } from './layer.js';

export interface WalkOptions {
  /** Path in the image the folder's contents go under, e.g. `ai-ucloud-client-django`. */
  prefix: string;
  /** Relative (`/`-separated) paths to leave out, with everything under them. */
  skip?: (relative: string) => boolean;
}

/** Fixed modes: 0755 for folders and files someone may execute, 0644 for the rest. */
export function normalMode(mode: number, isDir: boolean): number {
  return isDir || (mode & 0o111) !== 0 ? 0o755 : 0o644;
}

/**
 * Lists a folder as layer entries, following symlinks to files (the build folder holds copies and
 * hard links only); sockets, fifos and devices are left out. Order does not matter: layers sort.
 */
export async function walkDirectory(root: string, options: WalkOptions): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  const prefix = options.prefix.replace(/^\/+|\/+$/g, '');
  async function visit(dir: string, relative: string): Promise<void> {
    for (const name of await readdir(dir)) {
      const rel = relative ? `${relative}/${name}` : name;
      if (options.skip?.(rel)) continue;
      const full = path.join(dir, name);
      let info = await lstat(full, { bigint: true });
      if (info.isSymbolicLink()) info = await stat(full, { bigint: true });
      const inImage = prefix ? `${prefix}/${rel}` : rel;
      if (info.isDirectory()) {
        out.push({ path: inImage, type: 'directory', mode: 0o755, size: 0 });
        await visit(full, rel);
      } else if (info.isFile()) {
        out.push({
          path: inImage,
          type: 'file',
          mode: normalMode(Number(info.mode), false),
          size: Number(info.size),
          source: full,
          stat: { mtimeNs: String(info.mtimeNs), ino: String(info.ino) },
        });
      }
    }
  }
  await visit(root, '');
  return out;
}
