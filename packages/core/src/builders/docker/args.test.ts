import { describe, expect, it } from 'vitest';
import { dockerBuildArgs, dockerVersionArgs, dockerLoginArgs, dockerPushArgs, parsePushDigest } from './args.js';
import type { ModelPlan } from '../../plan/plan.js';

const plan = {
  name: 'mnist',
  framework: 'caffe',
  imageRef: 'uhub.ucloud.cn/uai_demo/caffe-inference:test',
  buildDir: '/home/me/my project/.uai/build/mnist',
} as ModelPlan;

const digest = `sha256:${'3f'.repeat(32)}`;

describe('docker argv', () => {
  it('builds from the model build folder only, tagged with the image ref', () => {
    expect(dockerBuildArgs(plan)).toEqual([
      'build',
      '--file',
      '/home/me/my project/.uai/build/mnist/uaiservice.Dockerfile',
      '--tag',
      'uhub.ucloud.cn/uai_demo/caffe-inference:test',
      '--label',
      'ai.uai.model=mnist',
      '--label',
      'ai.uai.framework=caffe',
      '/home/me/my project/.uai/build/mnist',
    ]);
  });

  it('pushes the image ref', () => {
    expect(dockerPushArgs(plan)).toEqual(['push', 'uhub.ucloud.cn/uai_demo/caffe-inference:test']);
  });

  it('logs in with --password-stdin: the password is never an argument', () => {
    const args = dockerLoginArgs('uhub.ucloud.cn', 'me@example.com');
    expect(args).toEqual(['login', '--username', 'me@example.com', '--password-stdin', 'uhub.ucloud.cn']);
    expect(args).not.toContain('-p');
    expect(args).not.toContain('--password');
    expect(args.some((arg) => arg.startsWith('--password='))).toBe(false);
  });

  it('asks the engine for its version', () => {
    expect(dockerVersionArgs()).toEqual(['version', '--format', '{{.Server.Version}}']);
  });
});

describe('parsePushDigest', () => {
  const cases = [
    {
      name: 'a first push',
      output: [
        'The push refers to repository [uhub.ucloud.cn/uai_demo/caffe-inference]',
        '5f70bf18a086: Preparing',
        'a401b2c3d4e5: Preparing',
        '5f70bf18a086: Pushed',
        'a401b2c3d4e5: Pushed',
        `test: digest: ${digest} size: 1778`,
      ].join('\n'),
      expected: digest,
    },
    {
      name: 'layers that already exist, with CRLF line ends',
      output: [
        'The push refers to repository [localhost:5000/uai_demo/caffe-inference]',
        '5f70bf18a086: Layer already exists',
        `test: digest: ${digest} size: 527`,
        '',
      ].join('\r\n'),
      expected: digest,
    },
    {
      name: 'a layer digest earlier in the output: the last digest wins',
      output: [`Mounted from uaishare/base digest: sha256:${'0'.repeat(64)}`, `test: digest: ${digest} size: 1778`].join('\n'),
      expected: digest,
    },
    { name: 'no digest (a failed push)', output: 'denied: requested access to the resource is denied', expected: undefined },
    { name: 'a truncated digest', output: 'test: digest: sha256:abc123 size: 1', expected: undefined },
    { name: 'nothing at all', output: '', expected: undefined },
  ];

  it.each(cases)('$name', ({ output, expected }) => {
    expect(parsePushDigest(output)).toBe(expected);
  });
});
