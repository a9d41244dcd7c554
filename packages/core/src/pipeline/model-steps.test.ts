import caffe from '@uai/plugin-caffe';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { templatesOfRun } from './model-steps.js';

describe('templatesOfRun', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("reads a plugin's templates once a run, and again in the next run", async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'uai-templates-'));
    mkdirSync(path.join(root, 'templates'));
    const dockerfile = path.join(root, 'templates', 'uaiservice.Dockerfile.hbs');
    writeFileSync(dockerfile, 'FROM {{baseImage}}\n# first\n');
    const plugin = caffe();

    const run = templatesOfRun(root);
    const first = await run(plugin);
    expect(first.dockerfile).toEqual({ path: dockerfile, source: 'FROM {{baseImage}}\n# first\n' });

    writeFileSync(dockerfile, 'FROM {{baseImage}}\n# second\n');
    expect(run(plugin)).toBe(run(plugin));
    expect((await run(plugin)).dockerfile.source).toContain('# first');
    expect((await templatesOfRun(root)(plugin)).dockerfile.source).toContain('# second');
  });
});
