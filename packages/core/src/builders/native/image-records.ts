import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@uai/oci';

/** What an image was made from, as a record keeps it (see up-to-date.ts). */
export interface Stamps {
  stamp: string;
  local: string;
}

/** What `.uai/cache/images.json` says of a model's tag: the manifest it last held, its blobs, and from which inputs. */
interface ImageRecord {
  image: string;
  digest: string;
  blobs: string[];
  inputs?: string;
  /** The stamp of the inputs it was made from: local ones, base image, image format (see stampOf). */
  stamp?: string;
  /** The stamp of the local inputs alone (see inputsStamp): whether a model changed, known before the base is read. */
  local?: string;
  builder: 'native';
}

async function readRecords(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {}; // none yet, or unreadable: it is only a cache
  }
}

/** The blobs `entry` (a model's record) names, when it is for `imageRef` holding `current`. */
function heldIn(entry: unknown, imageRef: string, current: string): ReadonlySet<string> | undefined {
  const record = entry as { image?: unknown; digest?: unknown; blobs?: unknown } | null | undefined;
  if (record?.image !== imageRef || record.digest !== current || !Array.isArray(record.blobs)) return undefined;
  return new Set(record.blobs.filter((blob): blob is string => typeof blob === 'string' && /^sha256:[0-9a-f]{64}$/.test(blob)));
}

/**
 * `.uai/cache/images.json`: what each model's tag was last seen to hold. Read once; the run's records are
 * kept in memory and written once, at the end, merged over what the file holds then (another run may
 * have written meanwhile): a record per model written as it finished was a read and a write of the whole
 * file per model, quadratic in a batch of hundreds. A record lost to a crash only costs a later look.
 */
export class ImageRecords {
  private readonly pending = new Map<string, ImageRecord>();
  private onDisk: Promise<Record<string, unknown>> | undefined;

  constructor(readonly file: string) {}

  /** Records that `imageRef` holds the manifest `digest` (its bytes `manifest`), made from `inputs` (stamped `made`). */
  record(model: string, imageRef: string, digest: string, manifest: Buffer, inputs: string | undefined, made: Stamps | undefined): void {
    this.pending.set(model, { image: imageRef, digest, blobs: blobsOf(manifest), inputs, ...made, builder: 'native' });
  }

  private async recordOf(model: string): Promise<Partial<ImageRecord> | undefined> {
    this.onDisk ??= readRecords(this.file);
    return (this.pending.get(model) ?? (await this.onDisk)[model]) as Partial<ImageRecord> | undefined;
  }

  /** Whether the last push of `imageRef` recorded was made from other local inputs (or none is recorded). */
  async changedLocally(model: string, imageRef: string, local: string): Promise<boolean> {
    const record = await this.recordOf(model);
    return record?.image !== imageRef || record.local !== local;
  }

  /** Whether the tag's manifest now (`current`) is the one this model's last push made from inputs stamped `stamp`. */
  async madeFrom(model: string, imageRef: string, current: string, stamp: string): Promise<boolean> {
    const record = await this.recordOf(model);
    return record?.image === imageRef && record.digest === current && record.stamp === stamp;
  }

  /**
   * The blobs of the manifest the tag holds now (`current`), per this run's records and then the file's:
   * only when the record is for this very image and that very manifest (another pusher may have moved
   * the tag since), else undefined.
   */
  async blobsHeldBy(model: string, imageRef: string, current: string): Promise<ReadonlySet<string> | undefined> {
    return heldIn(await this.recordOf(model), imageRef, current);
  }

  /** Writes this run's records. Errors pass: the file is a cache. */
  async save(): Promise<void> {
    if (this.pending.size === 0) return;
    const data = { ...(await readRecords(this.file)), ...Object.fromEntries(this.pending) };
    await writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`).catch(() => {});
  }
}

/** The config and layer digests a manifest names. */
function blobsOf(manifest: Buffer): string[] {
  const parsed = JSON.parse(manifest.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  return [parsed.config.digest, ...parsed.layers.map((layer) => layer.digest)];
}
