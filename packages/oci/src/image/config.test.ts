import { describe, expect, it } from 'vitest';
import { buildImageConfig, mergeEnv } from './config.js';
import { choosePlatform, convertMediaType, mediaTypes } from './media-types.js';

describe('image config and media types', () => {
  it('merges ENV in place, adds EXPOSE, CMD, labels, layers and history without clock time', () => {
    const base = {
      architecture: 'amd64',
      os: 'linux',
      created: '2020-01-01T00:00:00Z',
      container_config: { Cmd: ['old'] },
      config: { Env: ['PATH=/bin', 'PYTHONPATH=/old'], Cmd: ['sh'], Labels: { keep: '1' } },
      rootfs: { type: 'layers' as const, diff_ids: ['sha256:base'] },
      history: [{ created_by: 'base' }],
    };
    const config = buildImageConfig(base, {
      env: [
        { name: 'PYTHONPATH', value: '/root/caffe/python' },
        { name: 'UAI_SERVICE_CONFIG', value: '/app/ufile.json' },
      ],
      exposedPorts: ['8080'],
      cmd: ['/bin/sh', '-c', 'run'],
      labels: { 'ai.uai.model': 'm' },
      layers: [{ diffId: 'sha256:w', createdBy: 'COPY w' }],
      created: 0,
    });
    expect(config.config?.Env).toEqual(['PATH=/bin', 'PYTHONPATH=/root/caffe/python', 'UAI_SERVICE_CONFIG=/app/ufile.json']);
    expect(config.config?.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(config.config?.Labels).toEqual({ keep: '1', 'ai.uai.model': 'm' });
    expect(config.rootfs.diff_ids).toEqual(['sha256:base', 'sha256:w']);
    expect(config.created).toBe('1970-01-01T00:00:00Z');
    expect('container_config' in config).toBe(false);
    expect(config.history!.filter((h) => !h.empty_layer)).toHaveLength(2);
    expect(mergeEnv([], [{ name: 'A', value: 'b=c' }])).toEqual(['A=b=c']);
  });

  it('relabels docker and OCI types both ways and picks linux/amd64 from an index', () => {
    expect(convertMediaType(mediaTypes.dockerLayerGzip, 'oci')).toBe(mediaTypes.ociLayerGzip);
    expect(convertMediaType(mediaTypes.ociLayer, 'docker')).toBe(mediaTypes.dockerLayer);
    const index = {
      schemaVersion: 2 as const,
      manifests: [
        { mediaType: mediaTypes.ociManifest, digest: 'sha256:arm', size: 1, platform: { os: 'linux', architecture: 'arm64' } },
        { mediaType: mediaTypes.ociManifest, digest: 'sha256:amd', size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    };
    expect(choosePlatform(index)?.digest).toBe('sha256:amd');
  });
});
