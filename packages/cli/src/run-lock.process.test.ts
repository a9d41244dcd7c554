// One `uai build` at a time in a project (`.uai/run.lock`): a run waits for a live holder, saying so
// once with its pid, and Ctrl-C while it waits exits 130 without touching the other's lock; a lock
// whose process is gone is taken over.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, runUai, startUai, type Project } from '../test/harness.mjs';

let project: Project | undefined;
afterEach(async () => {
  await project?.remove();
  project = undefined;
});

/** `.uai/run.lock` as a run of process `pid` on this machine writes it. */
function writeLock(dir: string, pid: number): string {
  const file = path.join(dir, '.uai', 'run.lock');
  mkdirSync(path.dirname(file), { recursive: true });
  const here = { host: os.hostname(), boot: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), pidNs: readlinkSync('/proc/self/ns/pid') };
  writeFileSync(file, JSON.stringify({ id: `held-by-${pid}`, pid, ...here, since: new Date().toISOString() }));
  return file;
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(process.platform !== 'linux')('the run lock', () => {
  it('waits for a live holder, says so once with its pid, and exits 130 on Ctrl-C leaving its lock', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const lock = writeLock(project.dir, holder.pid!);
      const before = readFileSync(lock, 'utf8');
      const running = startUai(project, ['build', '--dry-run', '--json']);
      await until(() => /waiting for/.test(running.stderr()), 20_000);
      await new Promise((resolve) => setTimeout(resolve, 500)); // still waiting, still said once
      expect(running.stderr().match(/waiting for/g)).toHaveLength(1);
      expect(running.stderr()).toContain(`waiting for the other uai run in this project to finish (pid ${holder.pid}`);
      running.child.kill('SIGINT');
      const exit = await running.exited;
      expect(exit.code).toBe(130);
      expect(JSON.parse(running.stdout()).models[0]).toMatchObject({ status: 'cancelled' });
      expect(readFileSync(lock, 'utf8')).toBe(before);
      expect(existsSync(path.join(project.dir, '.uai', 'build', 'alpha'))).toBe(false);
    } finally {
      holder.kill();
    }
  });

  it('takes over the lock of a run whose process is gone, and removes its own at the end', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((resolve) => gone.on('exit', resolve));
    const lock = writeLock(project.dir, gone.pid!);
    const result = await runUai(project, ['build', '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`the uai run that held ${path.join('.uai', 'run.lock')} (pid ${gone.pid}) is gone; taking over its lock`);
    expect(existsSync(lock)).toBe(false);
  });
});
