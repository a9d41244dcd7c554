// `uai packdocker ... --print-config` prints only a config that `uai build` takes; a flag that would
// make it invalid is said in the old flag's name, exit 2, nothing printed on stdout.
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, dockerCalls, runUai, type Project } from '../test/harness.mjs';

let project: Project | undefined;
afterEach(async () => {
  await project?.remove();
  project = undefined;
});

const flags = (image: string) => [
  'packdocker',
  'caffe',
  '--pack_file_path',
  'models/alpha',
  '--main_module',
  'mnist_inference',
  '--main_class',
  'MnistModel',
  '--model_dir',
  'checkpoint_dir',
  '--model_name',
  'mnist_model',
  '--uhub_registry',
  'team',
  '--uhub_imagename',
  image,
  '--print-config',
];

describe('uai packdocker --print-config', () => {
  it('prints the equivalent config for valid flags', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const result = await runUai(project, flags('pdimg:v1'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('image: "pdimg:v1"');
    expect(await dockerCalls(project)).toEqual([]);
  });

  it('refuses an image name without a tag, naming --uhub_imagename, and prints no config', { timeout: 30_000 }, async () => {
    project = await createProject({ models: ['alpha'] });
    const result = await runUai(project, flags('pdimg'));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--uhub_imagename');
    expect(result.stderr).toContain('has no tag');
  });
});
