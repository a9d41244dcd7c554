import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../write-atomic.js';

export interface CachedLayer {
  digest: string;
  diffId: string;
  size: number;
  /** When a build last used it (ms since the epoch, to the day): records unused for a month go. */
  used?: number;
}

const day = 24 * 60 * 60 * 1000;
/** A record no build has used for this long is dropped, and its gzip blob with it. */
export const unusedLayerLifetimeMs = 30 * day;

/**
 * `.uai/cache/layers.json`: layer key (`layerKey`) -> digests. Shared by the models of one run. Every code change
 * adds a record (and a small gzip blob): records unused for `unusedLayerLifetimeMs` are dropped when the
 * cache is written, so a project edited for years keeps a month of them.
 */
export class LayerCache {
  private records = new Map<string, CachedLayer>();
  private loaded: Promise<void> | undefined;
  private dirty = false;

  constructor(
    private readonly file: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

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
    const found = this.records.get(key);
    // Marked used at most once a day, so an unchanged project does not rewrite the file every build.
    if (found && (found.used ?? 0) < this.now() - day) {
      found.used = this.now();
      this.dirty = true;
    }
    return found;
  }

  async set(key: string, value: CachedLayer): Promise<void> {
    if (!key) return;
    await this.load();
    this.records.set(key, { ...value, used: this.now() });
    this.dirty = true;
  }

  /**
   * Removes the blobs in `blobDir` (gzip layers, base image configs) that no record names and that
   * are older than a day: a build running meanwhile may have written one it has not recorded yet.
   */
  async pruneBlobs(blobDir: string): Promise<void> {
    await this.load();
    const named = new Set([...this.records.values()].map((record) => record.digest.replace(/^sha256:/, '')));
    const names = await readdir(blobDir).catch(() => [] as string[]);
    for (const name of names) {
      if (named.has(name) || !/^[0-9a-f]{64}$/.test(name)) continue;
      const file = path.join(blobDir, name);
      const info = await stat(file).catch(() => undefined);
      if (info && info.mtimeMs < this.now() - day) await rm(file, { force: true });
    }
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
    let merged = this.records;
    try {
      const data = JSON.parse(await readFile(this.file, 'utf8')) as { version?: number; layers?: Record<string, CachedLayer> };
      if (data.version === 1 && data.layers) merged = new Map([...Object.entries(data.layers), ...this.records]);
    } catch {
      // nothing to merge
    }
    // A record from before `used` existed counts as used now: it gets a month from today.
    const oldest = this.now() - unusedLayerLifetimeMs;
    for (const [key, record] of merged) {
      record.used ??= this.now();
      if (record.used < oldest) merged.delete(key);
    }
    this.records = merged;
    await writeFileAtomic(this.file, JSON.stringify({ version: 1, layers: Object.fromEntries(merged) }));
  }
}
