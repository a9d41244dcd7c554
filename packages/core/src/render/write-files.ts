import { writeFileAtomic } from '@uai/oci';
import path from 'node:path';
import type { RenderedFile } from './render.js';

/** Writes rendered files under `dir`, each through a temp file and a rename, so none is half written. */
export async function writeFiles(dir: string, files: readonly RenderedFile[]): Promise<void> {
  for (const file of files) await writeFileAtomic(path.join(dir, file.path), file.contents, { mode: 0o644 });
}
