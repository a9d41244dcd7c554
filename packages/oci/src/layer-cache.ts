import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LayerEntry } from './layer.js';

export interface CachedLayer {
  digest: string;
  diffId: string;
  size: number;
}

/**
 * What identifies a layer without reading its files: every entry's path, mode and size, each file's
 * (path on disk, mtime, inode) or contents hash, and how it is packed. An unchanged weights folder maps
 * to its known digest, so it is not hashed again.
 */
export function layerKey(entries: readonly LayerEntry[], packing: { gzip: boolean; mtime: number }): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ v: 1, ...packing }));
  for (const entry of entries) {
    const origin = entry.contents
      ? createHash('sha256').update(entry.contents).digest('hex')
      : entry.source && entry.stat
        ? `${entry.source}|${entry.stat.mtimeNs}|${entry.stat.ino}`
        : undefined;
    if (entry.type === 'file' && !origin) return ''; // cannot be keyed: always rebuilt
    hash.update(`\0${entry.path}\0${entry.type}\0${entry.mode}\0${entry.size}\0${origin ?? ''}`);
  }
  return hash.digest('hex');
}

/** `.uai/cache/layers.json`: layer key -> digests. Shared by the models of one run. */
export class LayerCache {
  private records = new Map<string, CachedLayer>();
  private loaded: Promise<void> | undefined;
  private dirty = false;

  constructor(private readonly file: string | undefined) {}

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      if (!this.file) return;
      try {
        const data = JSON.parse(await readFile(this.file, 'utf8')) as { version?: number; layers?: Record<string, CachedLayer> };
        if (data.version === 1 && data.layers) this.records = new Map(Object.entries(data.layers));
      } catch {
        // none yet
      }
    })();
    return this.loaded;
  }

  async get(key: string): Promise<CachedLayer | undefined> {
    if (!key) return undefined;
    await this.load();
    return this.records.get(key);
  }

  async set(key: string, value: CachedLayer): Promise<void> {
    if (!key) return;
    await this.load();
    this.records.set(key, value);
    this.dirty = true;
  }

  /**
   * Writes the cache, merged with what another process may have written meanwhile. Saves of one
   * process run one after another; each writes a temp file of its own and renames it into place.
   */
  save(): Promise<void> {
    this.saving = this.saving.then(() => this.write()).catch(() => {});
    return this.saving;
  }

  private saving: Promise<void> = Promise.resolve();

  private async write(): Promise<void> {
    if (!this.dirty || !this.file) return;
    this.dirty = false;
    await mkdir(path.dirname(this.file), { recursive: true });
    let merged = this.records;
    try {
      const data = JSON.parse(await readFile(this.file, 'utf8')) as { version?: number; layers?: Record<string, CachedLayer> };
      if (data.version === 1 && data.layers) merged = new Map([...Object.entries(data.layers), ...this.records]);
    } catch {
      // nothing to merge
    }
    const temp = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temp, JSON.stringify({ version: 1, layers: Object.fromEntries(merged) }));
    await rename(temp, this.file);
  }
}
