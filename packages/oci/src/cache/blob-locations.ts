import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../write-atomic.js';
import { unusedLayerLifetimeMs } from './layer-cache.js';

/** Where one of our blobs is known to be: the first repository of its registry it went to, and its size. */
export interface BlobHolder {
  repository: string;
  size: number;
  /** When a push last found it there or mounted it from there (ms since the epoch, to the day). */
  used?: number;
}

/** What pushing a blob did (as `pushBlob` answers). */
export interface SharedPushResult {
  digest: string;
  uploaded: boolean;
  mounted: boolean;
}

/** One of our blobs, about to be pushed. */
export interface SharedBlob {
  /** Undefined for one hashed on its way up (an uncompressed layer no cache knew). */
  digest?: string;
  size: number;
  /**
   * Hashes a blob of unknown digest: called before its push when another repository of the registry
   * holds a blob of its size, or is being sent one (it may be this very blob).
   */
  digestOf?: () => Promise<string>;
  signal?: AbortSignal;
}

/** How pushes to one registry share blobs: see `BlobLocations`. */
export interface BlobSharing {
  /**
   * Pushes a blob of ours to `repository` through `push`: given a repository to mount it from when
   * another one of the registry holds it, after waiting for a push of this run that is sending it (or a
   * blob of its size, digest unknown) to another repository. Records where it went.
   */
  share<R extends SharedPushResult>(
    repository: string,
    blob: SharedBlob,
    push: (mountFrom: string | undefined, digest: string | undefined) => Promise<R>,
  ): Promise<R>;
}

/** A push of this run under way: of a blob (its digest, if known) to a repository. */
interface Flight {
  digest?: string;
  size: number;
  repository: string;
  done: Promise<unknown>;
}

interface BlobsFile {
  version: 1;
  /** Registry host -> blob digest -> where it is. */
  hosts: Record<string, Record<string, BlobHolder>>;
}

const day = 24 * 60 * 60 * 1000;
const digestPattern = /^sha256:[0-9a-f]{64}$/;

function isHolder(value: unknown): value is BlobHolder {
  const holder = value as BlobHolder | undefined;
  return typeof holder?.repository === 'string' && Number.isSafeInteger(holder.size) && (holder.used === undefined || typeof holder.used === 'number');
}

/** The records of a blobs file, those that make sense; none for a missing or damaged file. */
async function readBlobsFile(file: string): Promise<Map<string, Map<string, BlobHolder>>> {
  const hosts = new Map<string, Map<string, BlobHolder>>();
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as Partial<BlobsFile>;
    if (data.version !== 1 || typeof data.hosts !== 'object' || !data.hosts) return hosts;
    for (const [host, records] of Object.entries(data.hosts)) {
      const valid = Object.entries(records ?? {}).filter(([digest, holder]) => digestPattern.test(digest) && isHolder(holder));
      hosts.set(host, new Map(valid));
    }
  } catch {
    // none yet, or unreadable: it is only a cache
  }
  return hosts;
}

/**
 * Which repository of each registry holds a blob of ours: `.uai/cache/blobs.json` (host -> digest ->
 * repository and size), and the pushes of this run. A blob several models share goes up once per
 * registry: the others mount it from its first repository. A stale record (the repository was deleted,
 * the registry collected the blob) costs a refused mount, then the upload; a record unused for a month
 * goes. Saved merged over the file, as the layer cache is.
 */
export class BlobLocations {
  private holders = new Map<string, Map<string, BlobHolder>>();
  /** What this run learnt: written by `save`, over what the file holds then. */
  private learnt = new Map<string, Map<string, BlobHolder>>();
  private readonly flights = new Map<string, Set<Flight>>();
  private loaded: Promise<void> | undefined;

  constructor(
    private readonly file: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** The sharing of pushes to `host`, for `pushImage`. */
  forHost(host: string): BlobSharing {
    return { share: (repository, blob, push) => this.share(host, repository, blob, push) };
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      if (this.file) this.holders = await readBlobsFile(this.file);
    })();
    return this.loaded;
  }

  private of<T>(map: Map<string, T>, host: string, make: () => T): T {
    const found = map.get(host) ?? make();
    map.set(host, found);
    return found;
  }

  private async share<R extends SharedPushResult>(
    host: string,
    repository: string,
    blob: SharedBlob,
    push: (mountFrom: string | undefined, digest: string | undefined) => Promise<R>,
  ): Promise<R> {
    await this.load();
    const holders = this.of(this.holders, host, () => new Map<string, BlobHolder>());
    const flights = this.of(this.flights, host, () => new Set<Flight>());
    const elsewhere = (size: number) => [...holders.values(), ...flights].some((other) => other.size === size && other.repository !== repository);
    let digest = blob.digest;
    if (digest === undefined && blob.digestOf && elsewhere(blob.size)) digest = await blob.digestOf();
    // The same blob, or one of its size whose digest is not known yet, on its way: once it is there, mount it.
    for (;;) {
      const ahead = [...flights].filter(
        (flight) =>
          digest !== undefined && (flight.digest === digest || (flight.digest === undefined && flight.size === blob.size && flight.repository !== repository)),
      );
      if (ahead.length === 0) break;
      await Promise.allSettled(ahead.map((flight) => flight.done));
      blob.signal?.throwIfAborted();
    }
    // From here to the flight's start nothing awaits: a push that looks next sees this one.
    const holder = digest === undefined ? undefined : holders.get(digest);
    const mountFrom = holder && holder.repository !== repository ? holder.repository : undefined;
    const flight: Flight = { digest, size: blob.size, repository, done: push(mountFrom, digest) };
    flights.add(flight);
    try {
      const result = (await flight.done) as R;
      const known = holders.get(result.digest);
      // The first repository stays the blob's, unless it would not give the blob (a refused mount).
      if (!known || (known.repository === mountFrom && !result.mounted)) this.record(host, result.digest, { repository, size: blob.size });
      else if ((known.used ?? 0) < this.now() - day) this.record(host, result.digest, known);
      return result;
    } finally {
      flights.delete(flight);
    }
  }

  private record(host: string, digest: string, holder: BlobHolder): void {
    const record = { repository: holder.repository, size: holder.size, used: this.now() };
    this.of(this.holders, host, () => new Map<string, BlobHolder>()).set(digest, record);
    this.of(this.learnt, host, () => new Map<string, BlobHolder>()).set(digest, record);
  }

  /** Writes what this run learnt, merged over the file (another run may have written meanwhile). Errors pass. */
  save(): Promise<void> {
    this.saving = this.saving.then(() => this.write()).catch(() => {});
    return this.saving;
  }

  private saving: Promise<void> = Promise.resolve();

  private async write(): Promise<void> {
    if (!this.file || this.learnt.size === 0) return;
    const merged = await readBlobsFile(this.file);
    for (const [host, records] of this.learnt) {
      const into = this.of(merged, host, () => new Map<string, BlobHolder>());
      for (const [digest, record] of records) into.set(digest, record);
    }
    this.learnt = new Map();
    // A record from before `used` counts as used now: it gets a month from today.
    const oldest = this.now() - unusedLayerLifetimeMs;
    const hosts: BlobsFile['hosts'] = {};
    for (const [host, records] of merged) {
      const kept = [...records]
        .filter(([, record]) => (record.used ?? this.now()) >= oldest)
        .map(([digest, record]) => [digest, { used: this.now(), ...record }]);
      if (kept.length > 0) hosts[host] = Object.fromEntries(kept);
    }
    await writeFileAtomic(this.file, JSON.stringify({ version: 1, hosts } satisfies BlobsFile));
  }
}
