import { describe, expect, it } from 'vitest';
import { isBasePullFailure, isDiskFull, isTransientPushFailure, tailOf } from './output.js';

const base = '127.0.0.1:45921/uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2';
const legacyFrom = `Sending build context to Docker daemon  4.096kB\nStep 1/4 : FROM ${base}`;
const legacyPulled = `${legacyFrom}\n ---> 7859d1e81117`;

// Outputs as Docker 28's CLI prints them against dockerd 20.10 (legacy builder), and as BuildKit does.
describe('isBasePullFailure', () => {
  it.each([
    {
      name: 'legacy: no credentials for the base',
      output: `${legacyFrom}\nHead "http://127.0.0.1:45921/v2/uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0/manifests/v1.2": no basic auth credentials`,
      expected: true,
    },
    {
      name: 'legacy: the registry refuses connections',
      output: `${legacyFrom}\nGet "http://127.0.0.1:45921/v2/": dial tcp 127.0.0.1:45921: connect: connection refused`,
      expected: true,
    },
    { name: 'legacy: no such tag', output: `${legacyFrom}\nmanifest for ${base} not found: manifest unknown: manifest unknown`, expected: true },
    {
      name: 'legacy: Docker Hub, no such repository',
      output:
        "Step 1/2 : FROM ubuntux:14.04\npull access denied for ubuntux, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
      expected: true,
      baseImage: 'ubuntux:14.04',
    },
    {
      name: 'legacy: COPY of a missing file (the FROM line is in the tail)',
      output: `${legacyPulled}\nStep 2/4 : COPY code/ /app/\nCOPY failed: file not found in build context or excluded by .dockerignore: stat code/: file does not exist`,
      expected: false,
    },
    {
      name: 'legacy: COPY failing as step 1 output only',
      output: 'COPY failed: file not found in build context or excluded by .dockerignore: stat code/x: file does not exist',
      expected: false,
    },
    {
      name: 'legacy: a RUN that cannot reach the same registry',
      output: `${legacyPulled}\nStep 2/4 : RUN wget http://127.0.0.1:45921/x\nwget: can't connect to remote host (127.0.0.1): Connection refused\nThe command '/bin/sh -c wget http://127.0.0.1:45921/x' returned a non-zero code: 1`,
      expected: false,
    },
    {
      name: 'legacy: RUN false',
      output: `${legacyPulled}\nStep 2/2 : RUN false\n ---> Running in 12c63b1319e8\nThe command '/bin/sh -c false' returned a non-zero code: 1`,
      expected: false,
    },
    {
      name: 'BuildKit: no such tag',
      output: `#2 [internal] load metadata for ${base}\n#2 ERROR: ${base}: not found\n------\n > [internal] load metadata for ${base}:\n------\nERROR: failed to solve: ${base}: not found`,
      expected: true,
    },
    {
      name: 'BuildKit: 401 while resolving the base (its ERROR line names neither host nor image)',
      output: `#3 [internal] load metadata for ${base}\n#3 ERROR: failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized`,
      expected: true,
    },
    {
      name: 'BuildKit: COPY of a missing file',
      output: `#5 [1/3] FROM ${base}@sha256:${'a'.repeat(64)}\n#5 DONE 0.0s\n#7 [2/3] COPY code/ /ai-ucloud-client-django/\n#7 ERROR: failed to calculate checksum of ref 1a2b::3c4d: "/code": not found\n------\n > [2/3] COPY code/ /ai-ucloud-client-django/:\n------\nERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref 1a2b::3c4d: "/code": not found`,
      expected: false,
    },
  ])('$name -> $expected', ({ output, expected, baseImage }) => {
    expect(isBasePullFailure(output, baseImage ?? base)).toBe(expected);
  });
});

describe('isTransientPushFailure', () => {
  it.each([
    { output: 'received unexpected HTTP status: 503 Service Unavailable', expected: true },
    { output: 'received unexpected HTTP status: 500 Internal Server Error', expected: true },
    { output: 'received unexpected HTTP status: 429 Too Many Requests', expected: true },
    { output: 'toomanyrequests: You have reached your pull rate limit', expected: true },
    { output: 'Put "https://r/v2/x/blobs/uploads/1": read tcp 1.2.3.4:5->6.7.8.9:443: read: connection reset by peer', expected: true },
    { output: 'Patch "https://r/v2/x/blobs/uploads/1": unexpected EOF', expected: true },
    { output: 'net/http: TLS handshake timeout', expected: true },
    { output: 'denied: requested access to the resource is denied', expected: false },
    { output: 'unauthorized: authentication required', expected: false },
    { output: 'received unexpected HTTP status: 404 Not Found', expected: false },
    { output: 'received unexpected HTTP status: 400 Bad Request', expected: false },
    { output: 'manifest invalid: manifest invalid', expected: false },
    { output: 'dial tcp 10.0.0.9:5000: connect: connection refused', expected: false },
    { output: 'dial tcp: lookup nohost: no such host', expected: false },
    { output: 'unauthorized: authentication required\nreceived unexpected HTTP status: 503 Service Unavailable', expected: false },
  ])('$output -> $expected', ({ output, expected }) => {
    expect(isTransientPushFailure(output)).toBe(expected);
  });
});

describe('tailOf and isDiskFull', () => {
  it('keeps the last lines that say something', () => {
    const output =
      'a\nDEPRECATED: The legacy builder is deprecated and will be removed in a future release.\n            Install the buildx component to build images with BuildKit:\n            https://docs.docker.com/go/buildx/\n\nb\nc';
    expect(tailOf(output, 2)).toBe('b\nc');
    expect(tailOf(output)).toBe('a\nb\nc');
  });

  it('sees a full disk', () => {
    expect(isDiskFull('write /var/lib/docker/tmp/x: no space left on device')).toBe(true);
    expect(isDiskFull('COPY failed')).toBe(false);
  });
});
