import { describe, expect, it } from 'vitest';
import { RegistryError } from '@uai/oci';
import { classifyRegistryFailure, registryFailure, type FailureContext } from './registry-failure.js';
import { UaiError } from './uai-error.js';

const login: FailureContext = { host: 'uhub.ucloud.cn', step: 'login', username: 'me' };
const push: FailureContext = { host: 'uhub.ucloud.cn', step: 'push', model: 'mnist' };
const base = 'uhub.ucloud.cn/uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2';
const build: FailureContext = { host: base, step: 'build', model: 'mnist', baseImage: base };

describe('classifyRegistryFailure', () => {
  const cases = [
    {
      name: 'login 401',
      output: 'Error response from daemon: Get "https://uhub.ucloud.cn/v2/": unauthorized: incorrect username or password',
      ctx: login,
      code: 'UAI_AUTH_FAILED',
      says: ['Authentication to registry uhub.ucloud.cn failed for user me', 'UHUB_USERNAME', 'UHUB_PASSWORD'],
    },
    {
      name: 'a bare HTTP 401',
      output: 'Error response from daemon: login attempt to https://uhub.ucloud.cn/v2/ failed with status: 401 Unauthorized',
      ctx: login,
      code: 'UAI_AUTH_FAILED',
      says: ['UHUB_USERNAME'],
    },
    {
      name: 'push without login',
      output: 'no basic auth credentials',
      ctx: push,
      code: 'UAI_AUTH_FAILED',
      says: ['Authentication to registry uhub.ucloud.cn failed', 'UHUB_USERNAME'],
    },
    {
      name: 'connection refused',
      output: 'Error response from daemon: Get "http://localhost:5000/v2/": dial tcp [::1]:5000: connect: connection refused',
      ctx: { ...login, host: 'localhost:5000' },
      code: 'UAI_REGISTRY_UNREACHABLE',
      says: ['Cannot reach registry localhost:5000', 'UAI_REGISTRY_HOST'],
    },
    {
      name: 'an unknown host',
      output: 'Get "https://uhub.example.invalid/v2/": dial tcp: lookup uhub.example.invalid: no such host',
      ctx: { ...push, host: 'uhub.example.invalid' },
      code: 'UAI_REGISTRY_UNREACHABLE',
      says: ['uhub.example.invalid'],
    },
    {
      name: 'push denied',
      output: 'denied: requested access to the resource is denied',
      ctx: push,
      code: 'UAI_AUTH_FAILED',
      says: ['Registry uhub.ucloud.cn refused access (denied)', 'registry.namespace', 'UHUB_USERNAME'],
    },
    {
      name: 'a 403',
      output: 'error parsing HTTP 403 response body: unexpected end of JSON input',
      ctx: push,
      code: 'UAI_AUTH_FAILED',
      says: ['refused access'],
    },
    {
      name: 'a plain-HTTP local registry',
      output: 'Get "https://192.168.1.5:5000/v2/": http: server gave HTTP response to HTTPS client',
      ctx: { ...push, host: '192.168.1.5:5000' },
      code: 'UAI_REGISTRY_UNREACHABLE',
      says: ['insecure-registries', '192.168.1.5:5000'],
    },
    {
      name: 'an untrusted certificate',
      output: 'Get "https://registry.local/v2/": x509: certificate signed by unknown authority',
      ctx: { ...push, host: 'registry.local' },
      code: 'UAI_REGISTRY_UNREACHABLE',
      says: ['/etc/docker/certs.d/registry.local/ca.crt'],
    },
    {
      name: 'a base image that cannot be pulled',
      output: `ERROR: failed to solve: ${base}: pull access denied, repository does not exist or may require authorization`,
      ctx: build,
      code: 'UAI_AUTH_FAILED',
      says: [`The base image ${base} refused access`, 'aiArchV/baseImage', 'docker login uhub.ucloud.cn'],
    },
    {
      name: 'a base image whose registry wants a login',
      output: 'failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized',
      ctx: build,
      code: 'UAI_AUTH_FAILED',
      says: ['docker login uhub.ucloud.cn)'],
    },
    {
      name: 'a base image tag that does not exist',
      output: `ERROR: failed to solve: ${base}: not found`,
      ctx: build,
      code: 'UAI_BUILD_FAILED',
      says: [`Pulling the base image ${base} failed`],
    },
    {
      name: 'a push failing for another reason, with "401" inside layer ids',
      output: 'a401b2c3d4e5: Retrying in 5 seconds\n12401f00ba44: Retrying in 5 seconds\nreceived unexpected HTTP status: 500 Internal Server Error',
      ctx: push,
      code: 'UAI_PUSH_FAILED',
      says: ['Pushing to registry uhub.ucloud.cn failed'],
    },
  ];

  it.each(cases)('$name -> $code', ({ output, ctx, code, says }) => {
    const error = classifyRegistryFailure(output, ctx);
    expect(error.code).toBe(code);
    expect(error.step).toBe(ctx.step);
    expect(error.model).toBe(ctx.model);
    for (const text of says) expect(error.message).toContain(text);
    // The registry's own words come last, for the details.
    expect(error.message.endsWith(output.trim())).toBe(true);
  });

  it('exits 1: a registry failure fails the model, not the config', () => {
    expect(classifyRegistryFailure('unauthorized', login).exitCode).toBe(1);
  });

  it('says what happened, then what to do', () => {
    expect(classifyRegistryFailure('unauthorized: authentication required', login).message).toMatchInlineSnapshot(`
      "Authentication to registry uhub.ucloud.cn failed for user me. Check UHUB_USERNAME and UHUB_PASSWORD (or run docker login uhub.ucloud.cn).
      unauthorized: authentication required"
    `);
  });
});

describe('registryFailure: bytes that do not match their digest', () => {
  const digest = `sha256:${'ab'.repeat(32)}`;
  it.each([
    { step: build, code: 'UAI_BUILD_FAILED', outcome: 'nothing was pushed for this model' },
    { step: push, code: 'UAI_PUSH_FAILED', outcome: 'or stored other bytes than uai sent' },
  ])('fails the model at $step.step with $code, naming the digest and saying the registry sent other bytes', ({ step, code, outcome }) => {
    const error = registryFailure(
      new RegistryError('digest', `reading blob ${digest} of ns/base from reg: the registry sent other bytes (9 bytes that hash to sha256:00).`),
      step,
    );
    expect(error).toBeInstanceOf(UaiError);
    expect((error as UaiError).code).toBe(code);
    expect((error as UaiError).message).toContain(digest);
    expect((error as UaiError).message).toContain('The registry sent other bytes than the digest names');
    expect((error as UaiError).message).toContain(outcome);
  });
});
