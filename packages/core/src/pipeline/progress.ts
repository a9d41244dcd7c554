import type { LayerProgress } from '../builders/builder.js';

/** Layers this big (16 MiB) or bigger have their hashing and upload shown; smaller ones go by in a blink. */
export const bigLayerBytes = 16 * 1024 * 1024;

const MB = 1e6;

/**
 * `uploading weights  612/1500 MB  41%  188 MB/s`: a layer's progress in words, for a model's line; the
 * rate (bytes per second) left out until it is known. Pure.
 */
export function progressText(event: LayerProgress, bytesPerSecond?: number): string {
  const percent = event.total > 0 ? Math.floor((event.done / event.total) * 100) : 100;
  const done = Math.round(event.done / MB);
  const total = Math.round(event.total / MB);
  const rate = bytesPerSecond === undefined ? '' : `  ${bytesPerSecond >= 10 * MB ? Math.round(bytesPerSecond / MB) : (bytesPerSecond / MB).toFixed(1)} MB/s`;
  return `${event.phase} ${event.layer}  ${done}/${total} MB  ${percent}%${rate}`;
}

/**
 * Follows one model's big layers: when each phase of each layer began (for its rate), and, for plain
 * output, when a line is due: at most one per 10% or per 5 s of a layer, and its end.
 */
export class ProgressTracker {
  private readonly started = new Map<string, { at: number; firstDone: number; lastDone: number; linePercent: number; lineAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records an event; the text to show, and whether a plain line is due now. Undefined for a small layer. */
  update(event: LayerProgress): { text: string; lineDue: boolean } | undefined {
    if (event.total < bigLayerBytes) return undefined;
    const key = `${event.phase} ${event.layer}`;
    const now = this.now();
    let state = this.started.get(key);
    // A new phase of the layer, or a retried upload starting again from 0: its rate starts again too.
    if (!state || event.done < state.lastDone) {
      state = { at: now, firstDone: event.done, lastDone: 0, linePercent: -10, lineAt: now };
      this.started.set(key, state);
    }
    state.lastDone = event.done;
    const percent = event.total > 0 ? (event.done / event.total) * 100 : 100;
    const finished = event.done >= event.total;
    const lineDue = finished || percent - state.linePercent >= 10 || now - state.lineAt >= 5000;
    if (lineDue) {
      state.linePercent = percent;
      state.lineAt = now;
    }
    if (finished) this.started.delete(key);
    // The rate since the first event (hashing says nothing before its first 16 MiB), once it means something.
    const elapsed = now - state.at;
    const rate = elapsed >= 250 ? ((event.done - state.firstDone) * 1000) / elapsed : undefined;
    return { text: progressText(event, rate), lineDue };
  }
}

/** A short digest for a person: `sha256:` and 12 hex digits, as `docker images` shows them. */
export function shortDigest(digest: string): string {
  return digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1');
}
