import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RenderedFile } from './render.js';

/** Writes rendered files under `dir`, each through a temp file and a rename, so none is half written. */
export async function writeFiles(dir: string, files: readonly RenderedFile[]): Promise<void> {
  for (const file of files) {
    const target = path.join(dir, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.tmp`;
    try {
      await writeFile(temp, file.contents, { mode: 0o644 });
      await rename(temp, target);
    } catch (error) {
      // A disk that filled up half way must not keep the half-written temp file.
      await rm(temp, { force: true });
      throw error;
    }
  }
}
