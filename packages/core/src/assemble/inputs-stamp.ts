import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import type { ModelPlan } from '../plan/plan.js';
import type { RenderedFile } from '../render/render.js';
import { identityOf, type PackTreeEntry } from './pack-tree.js';

/** What tells a file's bytes apart without reading them: as the layer cache keys a layer. */
export type FileIdentity = ReturnType<typeof identityOf>;

/** The identity of a file outside packFilePath that the image holds (a self-defined config file). */
export function fileIdentity(file: string): FileIdentity {
  return identityOf(statSync(file, { bigint: true }));
}

const identityText = (identity: FileIdentity) => `${identity.mode}\0${identity.size}\0${identity.mtimeNs}\0${identity.ino}`;

/**
 * A model's local inputs as one digest: its plan (the config as resolved; a plugin by its name), the
 * rendered files, and every folder and file it packs by path, mode, size, mtime and inode. The same
 * stamp means the same inputs on this machine, trusted as the layer cache trusts them: an edit changes
 * a file's mtime (and an editor's save, its inode). Pure: the walk and the stat are the caller's.
 */
export function inputsStamp(plan: ModelPlan, files: readonly RenderedFile[], tree: readonly PackTreeEntry[], configFile?: FileIdentity): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ ...plan, plugin: plan.plugin.name }));
  for (const file of files) hash.update(`\0rendered\0${file.path}\0${Buffer.byteLength(file.contents)}\0`).update(file.contents);
  for (const entry of tree) {
    hash.update(`\0${entry.type}\0${entry.relative}\0${entry.source}\0${identityText(entry)}`);
  }
  if (configFile) hash.update(`\0config\0${identityText(configFile)}`);
  return `sha256:${hash.digest('hex')}`;
}
