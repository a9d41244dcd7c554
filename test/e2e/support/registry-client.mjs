// @ts-check
// Reads images back from a registry over its HTTP API (distribution v2), the way a user would check
// what was pushed: the manifest digest, the image config, and the files in the layers.
import { gunzipSync } from 'node:zlib';
import { readTar } from './tar.mjs';

export const manifestTypes = ['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.manifest.v1+json'];

/**
 * @param {{ url: string, username: string, password: string }} registry
 */
export function registryClient(registry) {
  const authorization = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;

  /** @param {string} pathname @param {Record<string, string>} [headers] */
  async function get(pathname, headers = {}) {
    const response = await fetch(`${registry.url}${pathname}`, { headers: { Authorization: authorization, ...headers } });
    if (!response.ok) throw new Error(`GET ${pathname}: ${response.status} ${await response.text()}`);
    return response;
  }

  /**
   * The manifest of `repository:reference` and the digest the registry gives for it.
   * @param {string} repository e.g. `uai_demo/caffe-inference`
   * @param {string} reference a tag or digest
   */
  async function manifest(repository, reference) {
    const response = await get(`/v2/${repository}/manifests/${reference}`, { Accept: manifestTypes.join(', ') });
    return {
      digest: response.headers.get('docker-content-digest') ?? '',
      mediaType: response.headers.get('content-type') ?? '',
      manifest: /** @type {{ config: { digest: string }, layers: { digest: string, mediaType: string }[] }} */ (await response.json()),
    };
  }

  /** @param {string} repository @param {string} digest */
  async function blob(repository, digest) {
    return Buffer.from(await (await get(`/v2/${repository}/blobs/${digest}`)).arrayBuffer());
  }

  /**
   * The image config (`config.Env`, `config.Cmd`, `config.ExposedPorts`, ...).
   * @param {string} repository @param {string} reference
   */
  async function imageConfig(repository, reference) {
    const { manifest: m } = await manifest(repository, reference);
    return JSON.parse((await blob(repository, m.config.digest)).toString('utf8'));
  }

  /**
   * Every file of the image's layers, later layers winning (whiteouts are not needed here).
   * @param {string} repository @param {string} reference
   */
  async function files(repository, reference) {
    const { manifest: m } = await manifest(repository, reference);
    /** @type {Map<string, ReturnType<typeof readTar> extends Map<string, infer E> ? E : never>} */
    const all = new Map();
    for (const layer of m.layers) {
      const data = await blob(repository, layer.digest);
      const tar = /gzip/.test(layer.mediaType) ? gunzipSync(data) : data;
      for (const [name, entry] of readTar(tar)) all.set(name, entry);
    }
    return all;
  }

  /** @param {string} repository */
  async function tags(repository) {
    return /** @type {{ tags: string[] | null }} */ (await (await get(`/v2/${repository}/tags/list`)).json()).tags ?? [];
  }

  return { manifest, blob, imageConfig, files, tags };
}

/**
 * Splits `host/ns/name:tag` into the registry's repository and reference.
 * @param {string} ref
 */
export function splitImageRef(ref) {
  const withoutHost = ref.slice(ref.indexOf('/') + 1);
  const colon = withoutHost.lastIndexOf(':');
  return { repository: withoutHost.slice(0, colon), reference: withoutHost.slice(colon + 1) };
}
