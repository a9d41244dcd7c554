import {
  BlobLocations,
  fileBlobStore,
  LayerCache,
  maxUploadSlots,
  parseReference,
  RegistryClient,
  RegistryError,
  RegistryHints,
  resolveBaseImage,
  sourceDateEpoch,
  type BaseImage,
} from '@uai/oci';
import os from 'node:os';
import path from 'node:path';
import { userCacheDir } from '../../config/compile-cache.js';
import { registryFailure } from '../../errors/registry-failure.js';
import { UaiError } from '../../errors/uai-error.js';
import { projectPaths, type ProjectPaths } from '../../plan/paths.js';
import type { RegistryCredentials } from '../builder.js';
import { credentialFor } from '../credentials.js';
import { requestRetryPolicy, retryPolicyFromEnv } from '../retry-policy.js';

export interface NativeSessionOptions {
  env: NodeJS.ProcessEnv;
  /** The project root: the layer cache and image records are in its `.uai/cache`. */
  root: string;
  /** Whether images are pushed: without a push, no upload settings are read. @default true */
  push?: boolean;
  /** Retries of each registry request. @default `UAI_PUSH_RETRIES`/`UAI_RETRY_DELAY_MS`, else 4 from 250 ms */
  retry?: { retries?: number; baseDelayMs?: number };
  /** Big blobs sent to one registry at once, over all models (1-4). @default `UAI_MAX_UPLOADS`, else `uploadsFor(cores)` */
  uploads?: number;
}

/**
 * One big upload per core, at least 2 and at most `maxUploadSlots` (4). With a registry bound by its own
 * CPU and disk, 8 models at once finished in 3.4-4.1 s with 2 uploads at a time against 3.9-4.6 s with 8
 * on the 2-core bench machine: see `UploadSlots` and docs/decisions.md.
 */
export function uploadsFor(cores: number): number {
  return Math.min(maxUploadSlots, Math.max(2, cores));
}

function uploadsFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const text = env.UAI_MAX_UPLOADS;
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > maxUploadSlots) {
    throw new UaiError('UAI_USAGE', `UAI_MAX_UPLOADS=${JSON.stringify(text)} is not a whole number from 1 to ${maxUploadSlots}. Fix or unset it.`);
  }
  return Number(text);
}

/**
 * What the models of one native run share: a registry client per host (each logs in once), the
 * project's layer cache, and each base image, read once for all the models built on it.
 */
export class NativeSession {
  /** `created` of every image and mtime of every layer entry: 0, or SOURCE_DATE_EPOCH. */
  readonly mtime: number;
  readonly paths: ProjectPaths;
  readonly layerCache: LayerCache;
  /**
   * Which repository of each registry holds a big blob of ours (`.uai/cache/blobs.json` and this run's
   * pushes, those under way included): a file several models share goes up once per registry.
   */
  readonly blobLocations: BlobLocations;
  /** Where progress of the registry clients goes (their retries); set by the builder's prepare. */
  log: (line: string) => void = () => {};
  private readonly clients = new Map<string, RegistryClient>();
  /** What earlier runs learnt of each registry (Basic taken, over which scheme): see RegistryHints. */
  private readonly hints: RegistryHints;
  private readonly bases = new Map<string, Promise<BaseImage>>();
  /** UHUB_USERNAME/UHUB_PASSWORD for the hosts the run pushes to, given at login. */
  private credentials: readonly RegistryCredentials[] = [];
  private readonly retry: { retries: number; baseDelayMs: number; maxDelayMs?: number };
  private readonly uploads: number;

  constructor(private readonly options: NativeSessionOptions) {
    const { env } = options;
    this.mtime = sourceDateEpoch(env);
    this.paths = projectPaths(options.root);
    this.layerCache = new LayerCache(this.paths.layersFile);
    this.blobLocations = new BlobLocations(this.paths.blobsFile);
    this.hints = new RegistryHints(path.join(userCacheDir('registries', env), 'hints.json'));
    // Without a push there are no uploads (the Docker builder's skip check): nothing to read or refuse.
    this.uploads = options.push === false ? 1 : (options.uploads ?? uploadsFromEnv(env) ?? uploadsFor(os.availableParallelism()));
    const policy = retryPolicyFromEnv(env, requestRetryPolicy);
    this.retry = { retries: policy.retries, baseDelayMs: policy.delayMs, maxDelayMs: policy.maxDelayMs, ...options.retry };
  }

  /** The client of a registry host, made on first use. */
  clientFor(host: string): RegistryClient {
    let client = this.clients.get(host);
    if (!client) {
      client = new RegistryClient({
        host,
        credential: () => credentialFor(host, this.credentials, this.options.env),
        log: (line) => this.log(line),
        retry: this.retry,
        uploads: this.uploads,
        hint: this.hints.get(host),
        // Docker's folder of per-registry CAs and client certificates (<dir>/<host[:port]>/ca.crt, client.cert + client.key).
        certsDir: this.options.env.UAI_DOCKER_CERTS_DIR || undefined, // else @uai/oci's defaultCertsDir
      });
      this.clients.set(host, client);
    }
    return client;
  }

  /**
   * Whether an earlier run found that `host` takes our Basic credentials: its requests then go at once,
   * while the login checks them (see RegistryHints).
   */
  knowsLogin(host: string): boolean {
    return this.hints.get(host) !== undefined;
  }

  /** A base image, read once for all the models that share it (a failed read is tried again by the next). */
  baseImage(reference: string, signal: AbortSignal): Promise<BaseImage> {
    let pending = this.bases.get(reference);
    if (!pending) {
      const ref = parseReference(reference);
      pending = resolveBaseImage(this.clientFor(ref.host), ref, { signal, store: fileBlobStore(this.paths.blobDir) });
      this.bases.set(reference, pending);
      pending.catch(() => this.bases.delete(reference));
    }
    return pending;
  }

  /**
   * The UHUB_USERNAME/UHUB_PASSWORD pair for the hosts the run pushes to. Given before the first request
   * (the base images are read while logging in): a client asks for its credentials once, at its first.
   */
  useCredentials(credentials: readonly RegistryCredentials[]): void {
    this.credentials = credentials;
  }

  /**
   * Logs in to each host the credentials are for, so a wrong password fails before any build. A host
   * that cannot be reached is left to the models, which each say so.
   */
  async login(credentials: readonly RegistryCredentials[], signal: AbortSignal): Promise<void> {
    this.useCredentials(credentials);
    for (const host of new Set(credentials.map((credential) => credential.host))) {
      try {
        await this.clientFor(host).login(signal);
      } catch (error) {
        if (error instanceof RegistryError && error.kind === 'unreachable') continue;
        throw registryFailure(error, { host, step: 'login' });
      }
    }
  }

  /** Saves the caches, removes the blobs no record names any more, and closes the clients. */
  async dispose(): Promise<void> {
    await this.layerCache.save().catch(() => {});
    await this.blobLocations.save();
    await this.layerCache.pruneBlobs(this.paths.blobDir).catch(() => {});
    for (const [host, client] of this.clients) {
      const learnt = client.learnt;
      if (learnt) this.hints.learnt(host, learnt.hint);
    }
    await this.hints.save();
    await Promise.all([...this.clients.values()].map((client) => client.close().catch(() => {})));
    this.clients.clear();
    this.credentials = [];
  }
}
