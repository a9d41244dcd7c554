import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { build } from './build.js';
import type { ImageBuilder } from './builder.js';
import { mnistModel } from './caffe-mnist.fixture.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

describe('runPipeline', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  let root = '';
  afterEach(() => {
    process.off('warning', onWarning);
    warnings.length = 0;
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('lets many models wait on the run at once without Node warning of a listener leak', async () => {
    // Each request of each model listens to the run's stop signal: 12 models with a request in flight
    // each are 12 listeners on one signal, which Node calls a possible leak past 10.
    root = mkdtempSync(path.join(os.tmpdir(), 'uai-pipeline-'));
    cpSync(path.join(repoRoot, 'examples/caffe-mnist/code'), path.join(root, 'code'), { recursive: true });
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'), 'dir'); // the caffe plugin
    const models = Array.from({ length: 12 }, (_, i) => ({ ...mnistModel, name: `m${i}`, packFilePath: './code', image: `m${i}:v1` }));
    let waiting = 0;
    let allWaiting: () => void = () => {};
    const everyone = new Promise<void>((resolve) => (allWaiting = resolve));
    const builder: ImageBuilder = {
      name: 'listening',
      prepare: async () => {},
      build: async (_plan, ctx) => {
        const onAbort = () => {};
        ctx.signal.addEventListener('abort', onAbort);
        if (++waiting === models.length) allWaiting();
        await everyone;
        ctx.signal.removeEventListener('abort', onAbort);
      },
      push: async () => ({ digest: undefined }),
      dispose: async () => {},
    };
    process.on('warning', onWarning);
    const report = await build({
      cwd: root,
      inline: { path: path.join(root, 'uai.config.ts'), config: { registry: { host: '127.0.0.1:9', namespace: 'ns' }, models } },
      createBuilder: () => builder,
      concurrency: models.length,
      push: false,
      renderer: 'silent',
      env: {},
    });
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    expect(report.models.map((m) => m.status)).toEqual(models.map(() => 'built'));
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });
});
