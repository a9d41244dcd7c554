// `uai build --dry-run` checks what a build would pack: a link out of the project fails the model (1)
// as a build would, before any builder runs; the other models are still planned.
import { rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, dockerCalls, runUai, type Project } from '../test/harness.mjs';

let project: Project | undefined;
let outside: string | undefined;
afterEach(async () => {
  await project?.remove();
  if (outside) await rm(outside, { force: true });
  project = undefined;
  outside = undefined;
});

describe('uai build --dry-run', () => {
  it('fails a model whose packFilePath holds a link out of the project, naming the link', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha', 'beta'] });
    outside = path.join(project.dir, '..', `${path.basename(project.dir)}-outside.txt`);
    await writeFile(outside, 'not in the project\n');
    await symlink(outside, path.join(project.dir, 'models', 'beta', 'leak.txt'));
    const result = await runUai(project, ['build', '--dry-run', '--json']);
    expect(result.code).toBe(1);
    const models = Object.fromEntries(
      (JSON.parse(result.stdout).models as { name: string; status: string; error: { code: string; message: string } | null }[]).map((m) => [m.name, m]),
    );
    expect(models.alpha!.status).toBe('planned');
    expect(models.beta!.status).toBe('failed');
    expect(models.beta!.error).toMatchObject({ code: 'UAI_UNSAFE_PATH', message: expect.stringContaining('leak.txt is a symlink to') });
    expect(await dockerCalls(project)).toEqual([]);
  });
});
