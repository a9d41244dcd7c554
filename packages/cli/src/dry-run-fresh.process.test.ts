// `uai build --dry-run` leaves no stale build context: after a build, a code change and a dry run,
// `.uai/build/<model>/` holds only what the dry run rendered (no `code/` of the earlier build, which a
// `docker build` from there would silently use).
import { appendFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, runUai, type Project } from '../test/harness.mjs';

let project: Project | undefined;
afterEach(async () => {
  await project?.remove();
  project = undefined;
});

/** Every file and folder under `dir`, relative. */
async function tree(dir: string, relative = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(path.join(dir, relative), { withFileTypes: true })) {
    const rel = path.join(relative, entry.name);
    found.push(rel);
    if (entry.isDirectory()) found.push(...(await tree(dir, rel)));
  }
  return found;
}

describe('uai build --dry-run after a build', () => {
  it('leaves only what it rendered in .uai/build/<model>/: no code/ of the earlier build', { timeout: 60_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const buildDir = path.join(project.dir, '.uai', 'build', 'alpha');
    const built = await runUai(project, ['build', '--builder', 'docker', '--no-push']);
    expect(built.code, built.stderr).toBe(0);
    expect(await tree(buildDir)).toContain(path.join('code', 'mnist_inference.py'));

    await appendFile(path.join(project.dir, 'models', 'alpha', 'mnist_inference.py'), '# changed after the build\n');
    const planned = await runUai(project, ['build', '--dry-run']);
    expect(planned.code, planned.stderr).toBe(0);

    expect((await tree(buildDir)).sort()).toEqual(['uaiservice.Dockerfile', 'ufile.json']);
    // Nothing half made is left beside it either.
    expect(await readdir(path.dirname(buildDir))).toEqual(['alpha']);
  });
});
