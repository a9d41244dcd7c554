import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync, statSync, unlinkSync } from 'node:fs';
import { link, mkdir, open, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectPaths } from './paths.js';

/**
 * One `uai build` at a time in a project: a run writes `.uai/build/<model>/` and `.uai/`'s records,
 * and two at once failed each other's models. A run holds `.uai/run.lock` (made whole by a hard link,
 * so it never exists half written) from before its first model until its records are written; another
 * run says once that it waits, naming the holder's pid, and goes on when the lock is gone.
 *
 * A lock whose run is gone is taken over: on the same machine and pid namespace, when its pid is gone
 * (or is another process now: its start time differs); from elsewhere (another container sharing the
 * folder), when the holder has stopped touching it (a holder touches its lock every few seconds).
 */

/** What a lock file says of its run. `id` is new for every lock, so a lock is never mistaken for a later one. */
interface Owner {
  id: string;
  pid: number;
  host: string;
  /** Linux: the boot and the pid namespace (a pid means something only within both), and the process's start time. */
  boot?: string;
  pidNs?: string;
  start?: string;
  since: string;
}

/** A lock file as read at one moment, through one open file (its identity and its text agree). */
interface Holder {
  text: string;
  ino: number;
  mtimeMs: number;
  owner?: Owner;
}

export interface RunLockOptions {
  /** Stops the wait (Ctrl-C): `fn` then runs without the lock, its signal aborted, so no model starts. */
  signal?: AbortSignal;
  /** Where the one "waiting for" line goes (stderr). */
  say: (line: string) => void;
  /** How often a waiting run looks again. @default 200 */
  pollMs?: number;
  /** How often the holder touches its lock. @default 5000 */
  heartbeatMs?: number;
  /** A lock of another machine or container untouched this long is gone. @default 30000 */
  staleMs?: number;
}

function readOr(read: () => string): string | undefined {
  try {
    return read().trim();
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
function processStart(pid: number | 'self'): string | undefined {
  const stat = readOr(() => readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function thisProcess(): Owner {
  return {
    id: randomBytes(8).toString('hex'),
    pid: process.pid,
    host: os.hostname(),
    boot: readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    pidNs: readOr(() => readlinkSync('/proc/self/ns/pid')),
    start: processStart('self'),
    since: new Date().toISOString(),
  };
}

/** The lock as it is now; undefined when there is none. */
async function readHolder(file: string): Promise<Holder | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const info = await handle.stat();
    const text = await handle.readFile('utf8');
    let owner: Owner | undefined;
    try {
      const parsed = JSON.parse(text) as Owner;
      if (typeof parsed.id === 'string' && Number.isInteger(parsed.pid) && parsed.pid > 0) owner = parsed;
    } catch {
      owner = undefined; // not ours to read: judged by its heartbeat alone
    }
    return { text, ino: info.ino, mtimeMs: info.mtimeMs, owner };
  } finally {
    await handle.close();
  }
}

/** Whether the owner's pid can be checked from here: the same machine, boot and pid namespace. */
function samePidSpace(owner: Owner, me: Owner): boolean {
  return owner.host === me.host && owner.boot === me.boot && owner.pidNs === me.pidNs;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // there, but not ours to signal
  }
}

/** Tells a lock whose run is gone, looking at it again and again. */
class Judge {
  private seen?: { text: string; mtimeMs: number; at: number };

  constructor(
    private readonly me: Owner,
    private readonly staleMs: number,
  ) {}

  gone(holder: Holder): boolean {
    const { owner } = holder;
    if (owner && samePidSpace(owner, this.me)) {
      if (!pidAlive(owner.pid)) return true;
      const start = owner.start && processStart(owner.pid);
      return Boolean(start && start !== owner.start); // the pid is another process's now
    }
    // Another machine or container: gone when its holder has stopped touching it.
    if (this.seen?.text !== holder.text || this.seen.mtimeMs !== holder.mtimeMs) this.seen = { text: holder.text, mtimeMs: holder.mtimeMs, at: Date.now() };
    return Date.now() - this.seen.at >= this.staleMs;
  }
}

function describeOwner(owner: Owner | undefined, me: Owner): string {
  if (!owner) return 'of unknown owner';
  return owner.host === me.host ? `pid ${owner.pid}` : `pid ${owner.pid} on ${owner.host}`;
}

/**
 * Removes the lock `holder` read, if it is still that very lock. Waiters that judge a lock gone do this
 * one at a time (`<lock>.takeover`, made with O_EXCL), so none removes a lock another has just taken.
 * A takeover file left by a killed process is removed after 10 s (taking over takes milliseconds).
 */
async function takeOver(file: string, holder: Holder): Promise<boolean> {
  const guard = `${file}.takeover`;
  try {
    await writeFile(guard, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const info = await stat(guard).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 10_000) await rm(guard, { force: true });
    return false;
  }
  try {
    const now = await readHolder(file);
    if (now?.ino !== holder.ino || now.text !== holder.text) return false;
    await rm(file, { force: true });
    return true;
  } finally {
    await rm(guard, { force: true });
  }
}

/** Holds the lock: touches it now and then, and removes it on release or when the process exits. */
function hold(file: string, ino: number, heartbeatMs: number): () => void {
  const beat = setInterval(() => {
    const now = new Date();
    utimes(file, now, now).catch(() => {});
  }, heartbeatMs);
  beat.unref();
  const release = () => {
    clearInterval(beat);
    process.off('exit', release);
    try {
      if (statSync(file).ino === ino) unlinkSync(file);
    } catch {
      // gone already
    }
  };
  process.on('exit', release);
  return release;
}

/**
 * Makes the lock, whole: a hard link to our own file, else (a file system without links) an exclusive
 * create. Its inode when made, undefined when another run holds it.
 */
async function create(file: string, mine: string, text: string): Promise<number | undefined> {
  try {
    await link(mine, file);
    return (await stat(mine)).ino;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return undefined;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
  }
  try {
    await writeFile(file, text, { flag: 'wx' });
    return (await stat(file)).ino;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
}

/** Takes the project's lock, waiting while another run holds it; undefined when the signal stopped the wait. */
async function acquire(file: string, shown: string, options: RunLockOptions): Promise<(() => void) | undefined> {
  const me = thisProcess();
  const judge = new Judge(me, options.staleMs ?? 30_000);
  await mkdir(path.dirname(file), { recursive: true });
  const text = `${JSON.stringify(me)}\n`;
  const mine = `${file}.${process.pid}.${me.id}.tmp`;
  let told: string | undefined;
  try {
    await writeFile(mine, text);
    while (!options.signal?.aborted) {
      const ino = await create(file, mine, text);
      if (ino !== undefined) return hold(file, ino, options.heartbeatMs ?? 5000);
      const holder = await readHolder(file);
      if (!holder) continue;
      const who = describeOwner(holder.owner, me);
      if (judge.gone(holder)) {
        if (await takeOver(file, holder)) options.say(`the uai run that held ${shown} (${who}) is gone; taking over its lock`);
        else await sleep(20);
        continue;
      }
      if (told !== who) {
        told = who;
        options.say(`waiting for the other uai run in this project to finish (${who}${holder.owner ? `, since ${holder.owner.since}` : ''}; ${shown})`);
      }
      await sleep(options.pollMs ?? 200, undefined, { signal: options.signal }).catch(() => {});
    }
    return undefined;
  } finally {
    await rm(mine, { force: true });
  }
}

/**
 * `acquire`, but a lock that cannot be written (a full or read-only disk) is gone without, saying so:
 * the lock is an aid, never a new way to fail; the models then fail on that disk themselves, as before.
 */
async function acquireOrGoOn(file: string, shown: string, options: RunLockOptions): Promise<(() => void) | undefined> {
  try {
    return await acquire(file, shown, options);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    options.say(`could not take ${shown} (${code ?? message}); running without it`);
    return undefined;
  }
}

/** Resolves when `before` does, or when the signal stops the wait. */
async function untilTurn(before: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return before;
  let stopped!: () => void;
  const aborted = new Promise<void>((resolve) => (stopped = resolve));
  if (signal.aborted) return;
  signal.addEventListener('abort', stopped, { once: true });
  try {
    await Promise.race([before, aborted]);
  } finally {
    signal.removeEventListener('abort', stopped);
  }
}

/** Each project's last run in this process (running or waiting): one `build()` at a time here too. */
const inProcess = new Map<string, Promise<void>>();

/**
 * Runs `fn` holding the project's run lock (`.uai/run.lock`), once every other `uai build` of the
 * project (another process, or another `build()` in this one) has finished; released when `fn` settles.
 */
export async function withRunLock<T>(root: string, options: RunLockOptions, fn: () => Promise<T>): Promise<T> {
  const file = projectPaths(root).runLockFile;
  const before = inProcess.get(file) ?? Promise.resolve();
  let finished!: () => void;
  const turn = Promise.all([before, new Promise<void>((resolve) => (finished = resolve))]).then(() => {});
  inProcess.set(file, turn);
  let release: (() => void) | undefined;
  try {
    await untilTurn(before, options.signal);
    if (!options.signal?.aborted) release = await acquireOrGoOn(file, path.relative(root, file), options);
    return await fn();
  } finally {
    release?.();
    finished();
    if (inProcess.get(file) === turn) inProcess.delete(file);
  }
}
