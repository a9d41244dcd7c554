// The stand-in base image is only worth its 200s if it refuses what the real server could not load.
// Each case runs the stand-in itself with files bind-mounted into /ai-ucloud-client-django.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { exampleCode } from './support/project.js';
import { callService, startService } from './support/service.mjs';

const { standin } = e2eContext();
const app = '/ai-ucloud-client-django';
const caffeConfig = {
  http_server: {
    exec: { main_file: 'mnist_inference', main_class: 'MnistModel' },
    caffe: { model_dir: 'checkpoint_dir', model_name: 'mnist_model' },
  },
};
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'uai-e2e-standin-'));
  await writeFile(path.join(dir, 'ufile.json'), JSON.stringify(caffeConfig, null, 2));
  await writeFile(
    path.join(dir, 'wrong_class.json'),
    JSON.stringify({ http_server: { ...caffeConfig.http_server, exec: { main_file: 'mnist_inference', main_class: 'Nope' } } }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// `DIR:` stands for the temp folder made in beforeAll (cases are listed before it exists).
const code = `${exampleCode}/mnist_inference.py:${app}/mnist_inference.py:ro`;
const weights = `${exampleCode}/checkpoint_dir:${app}/checkpoint_dir:ro`;
const cases = [
  { name: 'no UAI_SERVICE_CONFIG', args: [], status: 500, body: /UAI_SERVICE_CONFIG is not set/ },
  { name: 'a config file that is not there', args: ['-e', `UAI_SERVICE_CONFIG=${app}/ufile.json`], status: 500, body: /ufile\.json .*does not exist/ },
  {
    name: 'a main_file that is not there',
    args: ['-e', 'UAI_SERVICE_CONFIG=/cfg/ufile.json', '-v', `DIR:/cfg:ro`],
    status: 500,
    body: /mnist_inference\.py does not exist/,
  },
  {
    name: 'a main_class the module does not define',
    args: ['-e', 'UAI_SERVICE_CONFIG=/cfg/wrong_class.json', '-v', 'DIR:/cfg:ro', '-v', code],
    status: 500,
    body: /main_class Nope/,
  },
  {
    name: 'caffe without PYTHONPATH',
    args: ['-e', 'UAI_SERVICE_CONFIG=/cfg/ufile.json', '-v', 'DIR:/cfg:ro', '-v', code, '-v', weights],
    status: 500,
    body: /PYTHONPATH/,
  },
  {
    name: 'caffe without its model files',
    args: ['-e', 'UAI_SERVICE_CONFIG=/cfg/ufile.json', '-e', 'PYTHONPATH=/root/caffe/python', '-v', 'DIR:/cfg:ro', '-v', code],
    status: 500,
    body: /checkpoint_dir\/mnist_model\.prototxt does not exist/,
  },
  {
    name: 'everything in place',
    args: ['-e', 'UAI_SERVICE_CONFIG=/cfg/ufile.json', '-e', 'PYTHONPATH=/root/caffe/python', '-v', 'DIR:/cfg:ro', '-v', code, '-v', weights],
    status: 200,
    body: /"framework":"caffe","main_file":"mnist_inference","main_class":"MnistModel"/,
  },
];

describe('the stand-in base answers POST /service', () => {
  it.each(cases)('$status for $name', async ({ args, status, body }) => {
    const service = await startService({ image: standin, runArgs: args.map((arg) => arg.replace(/^DIR:/, `${dir}:`)) });
    try {
      const answer = await callService();
      expect(answer.status, answer.body).toBe(status);
      expect(answer.body).toMatch(body);
    } finally {
      await service.stop();
    }
  });
});
