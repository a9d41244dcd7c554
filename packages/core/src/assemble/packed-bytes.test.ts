import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelPlan } from '../plan/plan.js';
import { packedBytes } from './packed-bytes.js';

describe('packedBytes', () => {
  it.skipIf(process.platform === 'win32')('does not follow a link to a folder it is already in', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'uai-packed-bytes-'));
    mkdirSync(path.join(root, 'sub'));
    writeFileSync(path.join(root, 'a.bin'), Buffer.alloc(10));
    writeFileSync(path.join(root, 'sub', 'b.bin'), Buffer.alloc(5));
    symlinkSync('..', path.join(root, 'sub', 'up'));
    expect(await packedBytes({ packDir: root } as ModelPlan, root)).toBe(15);
  });
});
