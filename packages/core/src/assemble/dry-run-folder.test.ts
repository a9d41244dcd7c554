import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelPlan } from '../plan/plan.js';
import { assembleBuildDir, writeRenderedOnly } from './assemble.js';

describe('writeRenderedOnly (--dry-run)', () => {
  it("replaces an earlier build's folder with the rendered files alone: no stale code/ is left", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'uai-dry-'));
    const code = path.join(root, 'code');
    mkdirSync(code);
    writeFileSync(path.join(code, 'main.py'), 'print(1)\n');
    const plan = { name: 'm', packDir: code, buildDir: path.join(root, '.uai', 'build', 'm'), configName: 'ufile.json' } as unknown as ModelPlan;
    await assembleBuildDir(plan, { root, files: [{ path: 'ufile.json', contents: '{"old": true}\n' }] });
    expect(readdirSync(plan.buildDir).sort()).toEqual(['code', 'ufile.json']);

    writeFileSync(path.join(code, 'main.py'), 'print(2)\n');
    await writeRenderedOnly(plan, [
      { path: 'ufile.json', contents: '{"new": true}\n' },
      { path: 'uaiservice.Dockerfile', contents: 'FROM base\n' },
    ]);
    expect(readdirSync(plan.buildDir).sort()).toEqual(['uaiservice.Dockerfile', 'ufile.json']);
    expect(readFileSync(path.join(plan.buildDir, 'ufile.json'), 'utf8')).toBe('{"new": true}\n');
    expect(existsSync(path.join(plan.buildDir, 'code'))).toBe(false);
    expect(readdirSync(path.dirname(plan.buildDir))).toEqual(['m']); // no temp folder left
  });
});
