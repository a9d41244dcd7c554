import os from 'node:os';
import { Worker } from 'node:worker_threads';

/** A piece of the byte stream to hash: bytes given, or a whole file of a known size. */
export type HashPart = Buffer | { path: string; size: number };

/**
 * Runs inside a worker: hashes a list of parts, files read 1 MiB at a time into one buffer. Plain JS
 * (evaluated, not a file), so it runs the same from src under vitest and from dist.
 */
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const buffer = Buffer.allocUnsafe(1 << 20);
// Bytes hashed so far in the current job, told to the pool every 16 MiB (progress for big layers).
let hashed = 0;
let told = 0;
function hashFile(hash, part, id) {
  const fd = openSync(part.path, 'r');
  try {
    let done = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      done += n;
      if (done > part.size) break;
      hash.update(buffer.subarray(0, n));
      hashed += n;
      if (hashed - told >= 16 << 20) {
        told = hashed;
        parentPort.postMessage({ id, progress: hashed });
      }
    }
    if (done !== part.size) throw new Error(part.path + ' changed while it was being hashed (expected ' + part.size + ' bytes). Run again once it is stable.');
  } finally {
    closeSync(fd);
  }
}
parentPort.on('message', ({ id, parts }) => {
  try {
    const hash = createHash('sha256');
    let size = 0;
    hashed = 0;
    told = 0;
    for (const part of parts) {
      if (part instanceof Uint8Array) { hash.update(part); size += part.length; hashed += part.length; }
      else { hashFile(hash, part, id); size += part.size; }
    }
    parentPort.postMessage({ id, digest: 'sha256:' + hash.digest('hex'), size });
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
`;

interface Job {
  id: number;
  parts: HashPart[];
  /** Bytes hashed so far, now and then. */
  onProgress?: (done: number) => void;
  resolve: (value: { digest: string; size: number }) => void;
  reject: (error: Error) => void;
}

/**
 * SHA-256 in worker threads, several streams at once: when several models hash their weights layers
 * together they use every core, and the main thread stays free for uploads. Workers start on first use
 * and do not keep the process alive.
 */
export class HashPool {
  private readonly size: number;
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private nextId = 0;
  private workers = 0;

  constructor(size = Math.max(1, Math.min(4, os.availableParallelism()))) {
    this.size = size;
  }

  /** The digest of the parts one after another, as one stream; `onProgress` hears every 16 MiB hashed. */
  hash(parts: HashPart[], onProgress?: (done: number) => void): Promise<{ digest: string; size: number }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, parts, onProgress, resolve, reject });
      this.pump();
    });
  }

  hashFile(path: string, size: number): Promise<{ digest: string; size: number }> {
    return this.hash([{ path, size }]);
  }

  private spawn(): Worker {
    const worker = new Worker(workerSource, { eval: true });
    this.workers++;
    worker.on('message', (message: { id: number; digest?: string; size?: number; error?: string; progress?: number }) => {
      const job = this.busy.get(worker);
      if (message.progress !== undefined) {
        job?.onProgress?.(message.progress);
        return;
      }
      this.busy.delete(worker);
      if (job) {
        if (message.error) job.reject(new Error(message.error));
        else job.resolve({ digest: message.digest!, size: message.size! });
      }
      // Idle workers do not keep the process alive; busy ones do (see pump).
      worker.unref();
      this.idle.push(worker);
      this.pump();
    });
    worker.on('error', (error) => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      this.workers--;
      job?.reject(error);
      this.pump();
    });
    return worker;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.workers < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const job = this.queue.shift()!;
      this.busy.set(worker, job);
      worker.ref();
      worker.postMessage({ id: job.id, parts: job.parts });
    }
  }

  async close(): Promise<void> {
    const all = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    this.busy.clear();
    this.workers = 0;
    await Promise.all(all.map((worker) => worker.terminate()));
  }
}

let shared: HashPool | undefined;
/** One pool per process. */
export function sharedHashPool(): HashPool {
  shared ??= new HashPool();
  return shared;
}
