/**
 * How many big blob bodies go up to one registry at once. More streams than the registry can ingest
 * only interleave: they all end together, and the registry then commits (fsyncs) every blob at once
 * with nothing left to overlap. Fewer at once end one after another, so each commit overlaps the next
 * upload. A slot is handed back when its body has been sent, not when the registry answers, for the
 * same reason.
 */
export class UploadSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`upload slots must be a whole number >= 1, got ${limit}`);
    this.free = limit;
  }

  /** Waits for a slot; resolves with the function that gives it back (calling it twice is harmless). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.free > 0) this.free--;
    else {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          this.waiting.splice(this.waiting.indexOf(wake), 1);
          reject(signal!.reason);
        };
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        this.waiting.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

/** Blobs above this size (4 MiB) take a slot; smaller ones (code, config) never wait behind big ones. */
export const bigBlobBytes = 4 * 1024 * 1024;

/**
 * At most this many: the agent holds 8 connections per registry, and a base layer the registry will not
 * mount is uploaded from a download on the same host, so each upload may need two.
 */
export const maxUploadSlots = 4;

/**
 * Yields `chunks`, calling `done` as the last of `size` bytes goes out. Not when a stream stops early: a
 * body may be opened again for the same attempt (after a 401), and the caller frees the slot on failure.
 */
export async function* releasingAtEnd(chunks: AsyncIterable<Buffer>, size: number, done: () => void): AsyncGenerator<Buffer> {
  let sent = 0;
  for await (const chunk of chunks) {
    sent += chunk.length;
    if (sent >= size) done();
    yield chunk;
  }
}
