import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { build } from '../build.js';
import type { ImageBuilder } from '../builders/builder.js';
import { UaiError } from '../errors/uai-error.js';
import { mnistModel } from '../config/caffe-mnist.fixture.js';

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));

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

  /** A project of `count` caffe models sharing the example's code. */
  function project(count: number) {
    root = mkdtempSync(path.join(os.tmpdir(), 'uai-pipeline-'));
    cpSync(path.join(repoRoot, 'examples/caffe-mnist/code'), path.join(root, 'code'), { recursive: true });
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    const models = Array.from({ length: count }, (_, i) => ({ ...mnistModel, name: `m${i}`, packFilePath: './code', image: `m${i}:v1` }));
    return { inline: { path: path.join(root, 'uai.config.ts'), config: { registry: { host: '127.0.0.1:9', namespace: 'ns' }, models } }, models };
  }

  it('prepares the builder (logins, base images) while the models check, render and assemble, and builds none before it is done', async () => {
    const { inline } = project(2);
    const events: string[] = [];
    const builder: ImageBuilder = {
      name: 'slow-login',
      prepare: async () => {
        events.push('prepare starts');
        // A slow registry: the models' folders are assembled while we wait (with prepare run first and
        // awaited, they could not be, and this would give up after 2 s).
        const assembled = () => ['m0', 'm1'].every((name) => existsSync(path.join(root, '.uai/build', name, 'uaiservice.Dockerfile')));
        for (let waited = 0; !assembled() && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
        events.push(assembled() ? 'prepare ends after both models assembled' : 'prepare ends, nothing assembled');
      },
      build: async (plan) => {
        events.push(`build ${plan.name}`);
      },
      push: async () => ({ digest: undefined }),
      dispose: async () => {},
    };
    const report = await build({ cwd: root, inline, createBuilder: () => builder, push: false, renderer: 'silent', env: {}, concurrency: 2 });
    expect(report.models.map((m) => m.status)).toEqual(['built', 'built']);
    expect(events.slice(0, 2)).toEqual(['prepare starts', 'prepare ends after both models assembled']);
    expect(events.slice(2).sort()).toEqual(['build m0', 'build m1']);
  });

  it('gives every model the failed login, said once; a model with bad inputs reports its own error', async () => {
    const { inline, models } = project(3);
    models[1] = { ...models[1]!, mainModule: 'no_such_module' };
    const builder: ImageBuilder = {
      name: 'refused',
      prepare: async () => {
        throw new UaiError('UAI_AUTH_FAILED', 'logging in on 127.0.0.1:9: HTTP 401. Check UHUB_USERNAME/UHUB_PASSWORD.', { step: 'login' });
      },
      build: async () => {
        throw new Error('built after a failed login');
      },
      push: async () => ({ digest: undefined }),
      dispose: async () => {},
    };
    let said = '';
    const progress = { write: (text: string) => ((said += text), true), isTTY: false } as unknown as NodeJS.WriteStream;
    const report = await build({ cwd: root, inline, createBuilder: () => builder, push: false, renderer: 'silent', env: {}, progress });
    expect(report.models.map((m) => [m.status, m.error?.code])).toEqual([
      ['failed', 'UAI_AUTH_FAILED'],
      ['failed', 'UAI_MODEL_FILE_MISSING'],
      ['failed', 'UAI_AUTH_FAILED'],
    ]);
    expect(report.models[1]!.error?.message).toContain('no_such_module');
    expect(said.match(/HTTP 401/g)).toHaveLength(1);
  });

  it('names the model in each plain progress line, as lines of models in parallel interleave', async () => {
    const { inline } = project(2);
    const builder: ImageBuilder = {
      name: 'talking',
      prepare: async () => {},
      build: async (_plan, ctx) => ctx.log('packing code layer'),
      push: async () => ({ digest: undefined }),
      dispose: async () => {},
    };
    let said = '';
    const progress = { write: (text: string) => ((said += text), true), isTTY: false } as unknown as NodeJS.WriteStream;
    await build({ cwd: root, inline, createBuilder: () => builder, push: false, renderer: 'plain', env: {}, progress, concurrency: 2 });
    expect(said).toContain('m0: packing code layer');
    expect(said).toContain('m1: packing code layer');
  });
});
