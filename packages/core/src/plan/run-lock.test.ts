import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { withRunLock } from './run-lock.js';

const project = () => mkdtempSync(path.join(os.tmpdir(), 'uai-lock-'));
const lockFile = (root: string) => path.join(root, '.uai', 'run.lock');
const read = (file: string) => {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** A lock file as another `uai` would write it: this machine and pid namespace unless `elsewhere`. */
function writeLock(root: string, pid: number, elsewhere = false): void {
  mkdirSync(path.join(root, '.uai'), { recursive: true });
  const here = {
    host: os.hostname(),
    boot: read('/proc/sys/kernel/random/boot_id'),
    pidNs: (() => {
      try {
        return readlinkSync('/proc/self/ns/pid');
      } catch {
        return undefined;
      }
    })(),
  };
  const owner = { id: `test-${pid}`, pid, ...(elsewhere ? { host: 'another-machine' } : here), since: '2026-01-01T00:00:00.000Z' };
  writeFileSync(lockFile(root), JSON.stringify(owner));
}

/** A process that lives until killed, and its pid. */
function liveProcess() {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  return { pid: child.pid!, stop: () => child.kill() };
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('withRunLock', () => {
  it('holds .uai/run.lock while fn runs, naming this process, and removes it after', async () => {
    const root = project();
    let during: { pid: number } | undefined;
    const result = await withRunLock(root, { say: () => {} }, async () => {
      during = JSON.parse(readFileSync(lockFile(root), 'utf8'));
      return 42;
    });
    expect(result).toBe(42);
    expect(during?.pid).toBe(process.pid);
    expect(existsSync(lockFile(root))).toBe(false);
    expect(readdirSync(path.join(root, '.uai'))).toEqual([]); // no temp file of ours left either
  });

  it('runs two builds of one project in this process one after the other, and releases on a failure', async () => {
    const root = project();
    const events: string[] = [];
    const run = (name: string, fail = false) =>
      withRunLock(root, { say: () => {} }, async () => {
        events.push(`${name} start`);
        await sleep(50);
        events.push(`${name} end`);
        if (fail) throw new Error(`${name} failed`);
      });
    const results = await Promise.allSettled([run('a', true), run('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end']);
    expect(existsSync(lockFile(root))).toBe(false);
  });

  it('waits while another live process holds the lock, saying so once with its pid', async () => {
    const root = project();
    const other = liveProcess();
    try {
      writeLock(root, other.pid);
      const said: string[] = [];
      let ran = false;
      const running = withRunLock(root, { say: (line) => said.push(line), pollMs: 20 }, async () => {
        ran = true;
      });
      await sleep(300);
      expect(ran).toBe(false);
      expect(said).toEqual([expect.stringContaining(`waiting for the other uai run in this project to finish (pid ${other.pid}`)]);
      rmSync(lockFile(root)); // the other run ends
      await running;
      expect(ran).toBe(true);
      expect(said).toHaveLength(1);
    } finally {
      other.stop();
    }
  });

  it('takes over a lock whose process is gone, saying so', async () => {
    const root = project();
    const pid = await deadPid();
    writeLock(root, pid);
    const said: string[] = [];
    let held: string | undefined;
    await withRunLock(root, { say: (line) => said.push(line) }, async () => {
      held = read(lockFile(root));
    });
    expect(JSON.parse(held!).pid).toBe(process.pid);
    expect(said).toEqual([`the uai run that held ${path.join('.uai', 'run.lock')} (pid ${pid}) is gone; taking over its lock`]);
  });

  it("judges another machine's lock by its heartbeat: kept while touched, taken over once it stops", async () => {
    const root = project();
    writeLock(root, 1, true);
    const said: string[] = [];
    // Touched every 50 ms, judged stale after 1.5 s unchanged (a wide margin on a loaded machine), and
    // held 2 s: longer than the stale limit, so only the touches keep it.
    let released = false;
    let ranAfterRelease: boolean | undefined;
    const touching = setInterval(() => utimesSync(lockFile(root), new Date(), new Date()), 50);
    const running = withRunLock(root, { say: (line) => said.push(line), pollMs: 20, staleMs: 1500 }, async () => {
      ranAfterRelease = released;
    });
    await sleep(2000);
    expect(ranAfterRelease).toBeUndefined(); // still touched: still held
    released = true;
    clearInterval(touching);
    await running;
    expect(ranAfterRelease).toBe(true);
    expect(said[0]).toContain('(pid 1 on another-machine');
    expect(said[1]).toContain('is gone; taking over its lock');
  });

  it('runs without the lock, saying why, when it cannot be written (a full or read-only disk fails the models instead)', async () => {
    const root = project();
    writeFileSync(path.join(root, '.uai'), 'not a folder');
    const said: string[] = [];
    let ran = false;
    await withRunLock(root, { say: (line) => said.push(line) }, async () => {
      ran = true;
    });
    expect(ran).toBe(true);
    expect(said).toEqual([expect.stringMatching(/^could not take \.uai\/run\.lock \(E[A-Z]+\); running without it$/)]);
  });

  it('stops waiting when the signal aborts: fn runs (its models cancelled) without touching the lock', async () => {
    const root = project();
    const other = liveProcess();
    try {
      writeLock(root, other.pid);
      const before = read(lockFile(root));
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 100);
      let aborted: boolean | undefined;
      await withRunLock(root, { say: () => {}, signal: stop.signal, pollMs: 20 }, async () => {
        aborted = stop.signal.aborted;
      });
      expect(aborted).toBe(true);
      expect(read(lockFile(root))).toBe(before);
    } finally {
      other.stop();
    }
  });
});
