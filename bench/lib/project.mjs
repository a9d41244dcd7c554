// The projects the bench builds: copies of examples/caffe-mnist with generated weights.
import { randomFillSync } from 'node:crypto';
import { closeSync, cpSync, openSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { bench, MB, repoRoot } from './context.mjs';

/** Float32 weights, written 4 MB at a time (never the whole file in memory). */
export function writeWeights(file, bytes) {
  const fd = openSync(file, 'w');
  const floats = new Float32Array(MB);
  const raw = new Uint32Array(floats.buffer);
  try {
    for (let done = 0; done < bytes; ) {
      randomFillSync(raw);
      // Plausible weights: small normal-ish floats, not random bit patterns.
      for (let i = 0; i < floats.length; i++) floats[i] = (raw[i] / 0xffffffff - 0.5) * 0.2;
      const n = Math.min(floats.byteLength, bytes - done);
      writeSync(fd, new Uint8Array(floats.buffer, 0, n));
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** A project under the work dir with `count` caffe models, each with `weightBytes` of weights under checkpoint_dir. */
export function makeProject({ count = 1, weightBytes, namespace = `bench${++bench.projects}` }) {
  const dir = path.join(bench.workDir, `project-${bench.projects}-${Date.now()}`);
  const models = [];
  for (let i = 0; i < count; i++) {
    const name = `m${i}`;
    const code = path.join(dir, 'models', name);
    cpSync(path.join(repoRoot, 'examples/caffe-mnist/code'), code, { recursive: true });
    writeWeights(path.join(code, 'checkpoint_dir', 'weights.bin'), weightBytes);
    models.push({
      name,
      framework: 'caffe',
      aiArchV: 'caffe-1.0.0',
      packFilePath: `./models/${name}`,
      mainModule: 'mnist_inference',
      mainClass: 'MnistModel',
      modelDir: 'checkpoint_dir',
      modelName: 'mnist_model',
      image: `bench-${name}:v1`,
    });
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  writeFileSync(
    path.join(dir, 'uai.config.ts'),
    `import { defineConfig } from '@uai/core';\nexport default defineConfig(${JSON.stringify({ registry: { namespace }, models }, null, 2)});\n`,
  );
  return { dir, namespace, models };
}
