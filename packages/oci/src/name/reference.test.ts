import { describe, expect, it } from 'vitest';
import { isLoopbackHost, parseReference, registryNameOf, writtenRegistryHost } from './reference.js';

describe('parseReference', () => {
  it.each([
    { ref: '127.0.0.1:5000/uaishare/base:v1.2', want: { host: '127.0.0.1:5000', repository: 'uaishare/base', tag: 'v1.2' } },
    { ref: 'uhub.ucloud.cn/ns/img', want: { host: 'uhub.ucloud.cn', repository: 'ns/img', tag: 'latest' } },
    { ref: 'busybox', want: { host: 'registry-1.docker.io', repository: 'library/busybox', tag: 'latest' } },
    { ref: `localhost/a@sha256:${'a'.repeat(64)}`, want: { host: 'localhost', repository: 'a', digest: `sha256:${'a'.repeat(64)}` } },
    { ref: 'uaishare/base:v1', want: { host: 'registry-1.docker.io', repository: 'uaishare/base', tag: 'v1' } },
    { ref: 'docker.io/library/busybox', want: { host: 'registry-1.docker.io', repository: 'library/busybox' } },
  ])('$ref', ({ ref, want }) => {
    expect(parseReference(ref)).toMatchObject(want);
  });

  it.each([
    ['uhub.ucloud.cn/uaishare/x:v1', 'uhub.ucloud.cn'],
    ['127.0.0.1:5000/a', '127.0.0.1:5000'],
    ['localhost/a', 'localhost'],
    ['uaishare/x:v1', undefined],
    ['busybox:1.36', undefined],
    [`busybox@sha256:${'a'.repeat(64)}`, undefined],
  ])('the registry host written in %s is %s', (ref, host) => expect(writtenRegistryHost(ref)).toBe(host));

  it.each(['127.0.0.1:5000', 'localhost', '[::1]:5000', '127.3.2.1'])('%s is loopback', (host) => expect(isLoopbackHost(host)).toBe(true));
  it.each(['uhub.ucloud.cn', '10.0.0.1:5000', 'localhost.evil.com'])('%s is not loopback', (host) => expect(isLoopbackHost(host)).toBe(false));
});

describe('registryNameOf', () => {
  it.each([
    { reference: 'uhub.ucloud.cn/uaishare/x:v1', expected: 'uhub.ucloud.cn' },
    { reference: 'localhost:5000/a/b:1', expected: 'localhost:5000' },
    { reference: 'localhost/a:1', expected: 'localhost' },
    { reference: 'library/ubuntu:16.04', expected: 'docker.io' },
    { reference: 'ubuntu:16.04', expected: 'docker.io' },
  ])('$reference -> $expected', ({ reference, expected }) => {
    expect(registryNameOf(reference)).toBe(expected);
  });
});
