// What a person sees in a real terminal (issue 12): `uai build` of three models, one with weights big
// enough for its progress to show, run under tmux (a real pseudo-terminal, 110 columns), the screen read
// while the big layer goes up and once the run has ended.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './support/exec.mjs';
import { e2eContext } from './support/context.js';
import { uaiBin } from './support/paths.mjs';
import { createProject, type Project } from './support/project.js';

const columns = 110;
const rows = 40;
const weightsBytes = 160 * 1024 * 1024;
/** A tmux server of this test's own: other tmux users on the machine are left alone. */
const tmux = (...args: string[]) => run('tmux', ['-L', `uai-e2e-${process.pid}`, ...args]);
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The screen as a person sees it, wrapped lines joined (so a line wider than the terminal shows as one). */
async function screen(): Promise<string[]> {
  const { stdout } = await tmux('capture-pane', '-p', '-J', '-t', 'uai');
  return stdout.split('\n').filter((line) => line.trim() !== '');
}

describe('uai build in a terminal', () => {
  let project: Project;
  const seen: string[][] = [];
  let final: string[] = [];

  beforeAll(async () => {
    const { host, username, password } = e2eContext();
    project = await createProject({
      namespace: 'uai_terminal',
      models: [
        { name: 'small', image: 'term-small:e2e' },
        { name: 'big', image: 'term-big:e2e' },
        { name: 'other', image: 'term-other:e2e' },
      ],
    });
    await writeFile(path.join(project.dir, 'models/big/checkpoint_dir/weights.bin'), randomBytes(weightsBytes));
    // The environment goes in a file the shell reads: the password never reaches tmux's argv.
    const envFile = path.join(project.dir, '..', 'env.sh');
    const exports = {
      UAI_REGISTRY_HOST: host,
      UHUB_USERNAME: username,
      UHUB_PASSWORD: password,
      HOME: project.home,
      DOCKER_CONFIG: project.dockerConfig,
      TMPDIR: project.tmp,
    };
    await writeFile(
      envFile,
      `${Object.entries(exports)
        .map(([k, v]) => `export ${k}=${quote(v)}`)
        .join('\n')}\nunset CI VITEST VITEST_MODE VITEST_POOL_ID VITEST_WORKER_ID NODE_ENV\n`,
      { mode: 0o600 },
    );
    await tmux('new-session', '-d', '-s', 'uai', '-x', String(columns), '-y', String(rows), '-c', project.dir);
    await tmux('send-keys', '-t', 'uai', `clear; . ${quote(envFile)}; node ${quote(uaiBin)} build --builder native; echo "exit=$?"`, 'Enter');
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      await sleep(100);
      const lines = await screen();
      seen.push(lines);
      if (lines.some((line) => /^exit=\d+$/.test(line))) break;
    }
    final = await screen();
  }, 240_000);

  afterAll(async () => {
    await tmux('kill-server').catch(() => undefined);
    await project?.remove();
  });

  it('succeeds', () => {
    expect(final.find((line) => line.startsWith('exit='))).toBe('exit=0');
  });

  it("shows the big model's upload (or hashing) with MB done, a percentage and a rate while it goes", () => {
    const progress = seen.flat().filter((line) => /big: (uploading|hashing) checkpoint_dir\/weights\.bin\s+\d+\/\d+ MB\s+\d+%/.test(line));
    expect(progress.length, seen.at(-1)?.join('\n')).toBeGreaterThan(0);
    expect(progress.some((line) => /\d+% +[\d.]+ MB\/s/.test(line))).toBe(true);
  });

  it('leaves each model one line, once, and the old success line for each', () => {
    for (const name of ['small', 'big', 'other']) {
      expect(
        final.filter((line) => line.includes(` ${name}: pushed `)),
        final.join('\n'),
      ).toHaveLength(1);
      expect(final.filter((line) => line.startsWith('upload docker images successful. images:') && line.endsWith(`/term-${name}:e2e`))).toHaveLength(1);
    }
  });

  it('fits every line to the terminal, digests shortened in the summary', () => {
    for (const line of final) expect(line.length, line).toBeLessThanOrEqual(columns);
    const summary = final.filter((line) => /^(small|big|other) +pushed /.test(line));
    expect(summary).toHaveLength(3);
    for (const line of summary) expect(line).toMatch(/@sha256:[0-9a-f]{12}$/);
  });
});
