import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@uai/oci';

/** What `.uai/cache/images.json` says of a model's tag: the manifest it last held, its blobs, and from which inputs. */
interface ImageRecord {
  image: string;
  digest: string;
  blobs: string[];
  inputs?: string;
  builder: 'native';
}

async function readRecords(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {}; // none yet, or unreadable: it is only a cache
  }
}

/**
 * The blobs of the manifest a tag holds now (`current`), from `.uai/cache/images.json`: only when the
 * record is for this very image and that very manifest (another pusher may have moved the tag since),
 * else undefined.
 */
export async function blobsHeldBy(imagesFile: string, model: string, imageRef: string, current: string): Promise<ReadonlySet<string> | undefined> {
  const record = (await readRecords(imagesFile))[model] as { image?: unknown; digest?: unknown; blobs?: unknown } | undefined;
  if (record?.image !== imageRef || record.digest !== current || !Array.isArray(record.blobs)) return undefined;
  return new Set(record.blobs.filter((blob): blob is string => typeof blob === 'string' && /^sha256:[0-9a-f]{64}$/.test(blob)));
}

/** `.uai/cache/images.json`: what each model's tag was last seen to hold. Written one record at a time. */
export class ImageRecords {
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Records that `imageRef` holds the manifest `digest` (its bytes `manifest`), made from `inputs`. */
  record(model: string, imageRef: string, digest: string, manifest: Buffer, inputs: string | undefined): Promise<void> {
    // Models finish together and share the file: one write at a time; a failed write only costs a later HEAD.
    this.writing = this.writing.then(() => this.write(model, { image: imageRef, digest, blobs: blobsOf(manifest), inputs, builder: 'native' })).catch(() => {});
    return this.writing;
  }

  /** `blobsHeldBy`, once the records being written are written. */
  async blobsHeldBy(model: string, imageRef: string, current: string): Promise<ReadonlySet<string> | undefined> {
    await this.writing;
    return blobsHeldBy(this.file, model, imageRef, current);
  }

  private async write(model: string, record: ImageRecord): Promise<void> {
    const data = await readRecords(this.file);
    data[model] = record;
    await writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`);
  }
}

/** The config and layer digests a manifest names. */
function blobsOf(manifest: Buffer): string[] {
  const parsed = JSON.parse(manifest.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  return [parsed.config.digest, ...parsed.layers.map((layer) => layer.digest)];
}
