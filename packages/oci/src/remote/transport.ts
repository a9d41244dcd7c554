import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Credential } from '../authn/credentials.js';
import { basicChallenge, isBasicChallenge } from '../authn/challenge.js';
import { RegistryAuth } from '../authn/registry-auth.js';
import { validHint, type RegistryHint } from '../cache/registry-hints.js';
import { isLoopbackHost } from '../name/reference.js';
import { kindForStatus, RegistryError } from './errors.js';
import { isResetError, isRetryableStatus, parseRetryAfter, RetryableStatus, withRetries, type RetryOptions } from './retry.js';
import { checkOrigin, hostOf, unexpectedAnswer, type Response } from './answers.js';
import { createAgent, httpRequest } from './http.js';
import { answeredInPlain, certificateFailure, defaultCertsDir, speaksNoTls, untrustedCertificate } from './tls.js';

/** Connections opened with the ping, the ping's own included: a model's tag and base image reads and first uploads go at once. */
const defaultConnectionsAtPing = 6;

export interface TransportOptions {
  /** `host[:port]`. */
  host: string;
  /** Credentials for this host, asked for once when the registry wants them. */
  credential?: () => Promise<Credential | undefined>;
  /**
   * http or https. @default https; for a loopback host, https unless it does not speak TLS (learnt at the
   * first ping), then http. Certificates are verified for every host, loopback included.
   */
  scheme?: 'http' | 'https';
  /**
   * Docker's folder of per-registry certificates: `<certsDir>/<host[:port]>/` holds CAs (`*.crt`) trusted
   * for this host on top of Node's (and NODE_EXTRA_CA_CERTS), and a client certificate (`*.cert` + `*.key`).
   * @default /etc/docker/certs.d
   */
  certsDir?: string;
  /** Connections opened with the first ping, its own included (see `warmConnections`). @default 6 */
  connectionsAtPing?: number;
  /**
   * What an earlier run learnt of this registry (see RegistryHints): requests go at once with Basic
   * credentials over its scheme, without waiting for a ping. A 401 asking for another scheme is
   * followed. Ignored when `scheme` is given, or when it says plain http to another machine.
   */
  hint?: RegistryHint;
  retry?: Omit<RetryOptions, 'signal' | 'onRetry'>;
  /** A line per retry, for progress. */
  log?: (line: string) => void;
  dispatcher?: Dispatcher;
}

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type BodyFactory = () => Buffer | Readable | AsyncIterable<Buffer>;

export interface SendOptions {
  method: Method;
  /** `/v2/...` or an absolute URL (an upload Location). */
  url: string;
  scopes: readonly string[];
  headers?: Record<string, string>;
  body?: BodyFactory;
  expect: readonly number[];
  what: string;
  signal?: AbortSignal;
  /** Retry this request on its own. Uploads retry as a whole instead. @default true */
  retry?: boolean;
}

/**
 * How requests reach one registry: its connections, auth (none, Basic, Bearer), retries with backoff
 * on 5xx/429/connection resets, and the rule that our credentials go only to the origin we were given.
 */
export class Transport {
  readonly host: string;
  private readonly auth: RegistryAuth;
  /** https or http; undefined for a loopback host until the first ping has learnt whether it speaks TLS. */
  private scheme: 'http' | 'https' | undefined;
  /** The scheme without a hint: https, or for a loopback host, what its first ping finds. */
  private readonly defaultScheme: 'http' | 'https' | undefined;
  private readonly certsDir: string;
  private dispatcher: Promise<Dispatcher> | undefined;
  private readonly ownDispatcher: boolean;
  private pinged: Promise<void> | undefined;
  /** The ping carried our credentials and the registry took them: the login is done. */
  private credentialsTaken = false;
  /** The ping has answered (what it learnt is `learnt`). */
  private pingAnswered = false;
  /**
   * A hint's Basic auth and scheme, `assumed` (requests do not wait for a ping) until the registry
   * answers otherwise, then `dropped` (nothing to remember, whatever a ping learns).
   */
  private hint: 'assumed' | 'dropped' | undefined;
  /** The connections opened with a ping, per scheme: once, however often the ping is tried. */
  private readonly warming: Partial<Record<'http' | 'https', Promise<void>>> = {};
  constructor(private readonly options: TransportOptions) {
    this.host = options.host;
    this.defaultScheme = options.scheme ?? (isLoopbackHost(options.host) ? undefined : 'https');
    const hint = options.scheme ? undefined : validHint(options.host, options.hint);
    this.scheme = hint?.scheme ?? this.defaultScheme;
    if (hint) this.hint = 'assumed';
    this.certsDir = options.certsDir ?? defaultCertsDir;
    this.ownDispatcher = !options.dispatcher;
    if (options.dispatcher) this.dispatcher = Promise.resolve(options.dispatcher);
    this.auth = new RegistryAuth(options.host, options.credential ?? (async () => undefined), async (url, request) => {
      const dispatcher = await this.agent();
      try {
        return await httpRequest(url, { ...request, dispatcher });
      } catch (cause) {
        const certificate = certificateFailure(cause);
        throw certificate ? untrustedCertificate(url.host, `fetching a token for ${this.host}`, certificate, this.certsDir, cause) : cause;
      }
    });
    if (hint) this.auth.setChallenge(basicChallenge);
  }

  private get assumed(): boolean {
    return this.hint === 'assumed';
  }

  /**
   * What the ping learnt, for the next run's hint: Basic credentials taken over this scheme, or nothing
   * to remember (`hint` undefined): also once a hint turned out false. Else undefined before the ping has answered.
   */
  get learnt(): { hint?: RegistryHint } | undefined {
    if (!this.pingAnswered) return this.hint === 'dropped' ? {} : undefined;
    return this.credentialsTaken && this.scheme ? { hint: { scheme: this.scheme, auth: 'basic' } } : {};
  }

  /**
   * The registry answered otherwise than its hint said: requests wait for a ping again. Its scheme is
   * forgotten too when it did not answer over it (the ping then asks as if there were no hint).
   */
  private dropHint(scheme: 'keep' | 'forget'): void {
    if (!this.assumed) return;
    this.hint = 'dropped';
    if (scheme === 'forget') this.scheme = this.defaultScheme;
  }

  /** `scheme://host[:port]`: https until a hint or a ping has found a loopback host that does not speak TLS. */
  get base(): string {
    return `${this.scheme ?? 'https'}://${this.host}`;
  }

  private agent(): Promise<Dispatcher> {
    this.dispatcher ??= createAgent(this.host, this.certsDir);
    return this.dispatcher;
  }

  /**
   * Ends the client's connections. Destroyed, not closed: a close waits for every request still open,
   * and what is left at the end of a run is only what nobody waits for (a probe that lost, a connection
   * still being opened to a registry that does not answer, which would hold a stopped run until undici's
   * connect timeout).
   */
  async close(): Promise<void> {
    if (this.ownDispatcher && this.dispatcher) await (await this.dispatcher).destroy();
  }

  private retryOptions(signal: AbortSignal | undefined, what: string): RetryOptions {
    return {
      ...this.options.retry,
      signal,
      onRetry: (attempt, error, delay) => this.options.log?.(`${what}: ${(error as Error).message}; retry ${attempt} in ${delay} ms`),
    };
  }

  /**
   * `withRetries`, with what is left after the last try (a 5xx/429, a reset connection) turned into a
   * RegistryError of kind `unavailable` that says what we were doing, where, and how often we tried.
   */
  async retrying<T>(fn: () => Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
    let tries = 0;
    try {
      return await withRetries(
        () => {
          tries++;
          return fn();
        },
        this.retryOptions(signal, what),
      );
    } catch (error) {
      if (signal?.aborted || !(error instanceof RetryableStatus || isResetError(error))) throw error;
      const why =
        error instanceof RetryableStatus
          ? `HTTP ${error.status}${error.detail ? ` (${error.detail})` : ''}`
          : `the connection was reset (${(error as Error).message})`;
      throw new RegistryError(
        'unavailable',
        `${what} on ${this.host}: ${why} after ${tries} ${tries === 1 ? 'try' : 'tries'}; the registry is having trouble, try again later.`,
        { status: error instanceof RetryableStatus ? error.status : undefined, cause: error },
      );
    }
  }

  /** Whether the ping's credentials were taken (`GET /v2/` answered 200 with them): a login would learn nothing more. */
  get loggedIn(): boolean {
    return this.credentialsTaken;
  }

  /**
   * `GET /v2/`: learns how the registry wants to be authenticated. With a username and password it goes
   * with a Basic header already: a Basic registry answers 200 (one round trip fewer than asking first),
   * any other answers 401 with its challenge as it would have anyway.
   */
  ping(signal?: AbortSignal): Promise<void> {
    this.pinged ??= this.retrying(
      async () => {
        const authorization = await this.auth.preemptive(new URL(`https://${this.host}/v2/`));
        const response = await this.probe(signal, authorization);
        await response.body.dump();
        if (response.status === 200 && authorization) {
          this.auth.setChallenge(basicChallenge);
          this.credentialsTaken = true;
        }
        if (response.status === 200 || response.status === 401) this.pingAnswered = true;
        if (response.status === 401) {
          this.auth.setChallenge(response.headers['www-authenticate']);
          this.dropHint('keep');
        } else if (isRetryableStatus(response.status)) throw new RetryableStatus(response.status, parseRetryAfter(response.headers['retry-after']));
        else if (response.status !== 200)
          throw new RegistryError(kindForStatus(response.status), `${this.host}/v2/ answered HTTP ${response.status}; is it a registry?`, {
            status: response.status,
          });
      },
      signal,
      'connecting',
    ).catch((error) => {
      this.pinged = undefined;
      // A hint out of date (a registry on this machine that now speaks the other scheme): asked again without it.
      if (this.assumed && !signal?.aborted) {
        this.dropHint('forget');
        return this.ping(signal);
      }
      throw error;
    });
    return this.pinged;
  }

  /**
   * `GET /v2/` over the client's scheme. A loopback host not known yet is asked over https and plain http
   * at once, and https wins unless the host does not speak TLS at all (as Docker does for registries it may
   * reach insecurely, but without a round trip spent on the TLS attempt first); a certificate it presents
   * is verified, and one that is not trusted fails, never falls back. Remembered.
   */
  private async probe(signal: AbortSignal | undefined, authorization: string | undefined): Promise<Response> {
    const what = `connecting to ${this.host}`;
    const headers: Record<string, string> = authorization ? { authorization } : {};
    // Plain http with credentials only to this machine (preemptive() gave none for another over http).
    if (this.scheme) {
      const warm = this.warm(this.scheme, signal);
      const response = await this.raw('GET', `${this.base}/v2/`, this.scheme === 'https' || isLoopbackHost(this.host) ? headers : {}, undefined, signal, what);
      await warm;
      return response;
    }
    const overTls = this.raw('GET', `https://${this.host}/v2/`, headers, undefined, signal, what);
    const inPlain = this.raw('GET', `http://${this.host}/v2/`, headers, undefined, signal, what);
    inPlain.catch(() => undefined); // awaited only when TLS fails; meanwhile its failure is no crash
    const warm = { https: this.warm('https', signal), http: this.warm('http', signal) };
    const unused = (answer: Promise<Response>) => answer.then((response) => response.body.dump()).catch(() => undefined);
    let response: Response;
    try {
      response = await overTls;
    } catch (error) {
      if (signal?.aborted || !speaksNoTls(error)) {
        void unused(inPlain);
        throw error;
      }
      this.scheme = 'http';
      await warm.http;
      return inPlain;
    }
    void unused(inPlain);
    this.scheme = 'https';
    await warm.https;
    return response;
  }

  /**
   * Opens the connections a run's first parallel requests will use (a model's tag and base image, its
   * first uploads) while the ping is on its way: each new connection costs a round trip (and a TLS
   * handshake) before its request can go, so they are paid once, at the same time. An unauthenticated
   * `GET /v2/` is the cheapest request a registry answers (no password check). The ping waits for them
   * (they need no password check, so they are back first): a connection still reading its answer is not
   * free, and the next request would open yet another.
   */
  private warm(scheme: 'http' | 'https', signal: AbortSignal | undefined): Promise<void> {
    this.warming[scheme] ??= this.warmConnections(scheme, signal);
    return this.warming[scheme];
  }

  private async warmConnections(scheme: 'http' | 'https', signal: AbortSignal | undefined): Promise<void> {
    const opening = Array.from({ length: (this.options.connectionsAtPing ?? defaultConnectionsAtPing) - 1 }, () =>
      this.raw('GET', `${scheme}://${this.host}/v2/`, {}, undefined, signal, 'opening a connection').then((response) => response.body.dump()),
    );
    // Settled, not failed: a connection that did not open is opened again by the request that needs it.
    await Promise.allSettled(opening);
  }

  /**
   * One request as it is, without credentials: a certificate that is not trusted becomes a RegistryError
   * `certificate`, another failure to connect one of kind `unreachable` (a reset is left to the retries).
   */
  async raw(
    method: Method,
    url: string,
    headers: Record<string, string>,
    body: ReturnType<BodyFactory> | undefined,
    signal: AbortSignal | undefined,
    what: string,
  ): Promise<Response> {
    try {
      const response = await httpRequest(url, {
        method,
        headers: { 'user-agent': 'uai', ...headers },
        body: body as never,
        dispatcher: await this.agent(),
        signal,
      });
      return { status: response.statusCode, headers: response.headers as Response['headers'], body: response.body };
    } catch (cause) {
      if (signal?.aborted || cause instanceof RegistryError) throw cause;
      const certificate = certificateFailure(cause);
      if (certificate) throw untrustedCertificate(hostOf(this.base, this.host, url), what, certificate, this.certsDir, cause);
      if (url.startsWith('https:') && answeredInPlain(cause)) {
        throw new RegistryError(
          'unreachable',
          `Cannot reach ${hostOf(this.base, this.host, url)} over https (${what}): it answered in plain http, which only a registry on this machine may speak; serve it over TLS.`,
          { cause },
        );
      }
      if (isResetError(cause)) throw cause;
      throw new RegistryError(
        'unreachable',
        `Cannot reach ${this.host} (${what}): ${(cause as Error).message}${(cause as { code?: string }).code ? ` [${(cause as { code?: string }).code}]` : ''}`,
        { cause },
      );
    }
  }

  /**
   * One authenticated request: after the ping, or at once under a hint. A request sent under a hint that
   * fails is sent again only if the ping finds the registry speaks the other scheme now.
   */
  private async once(options: SendOptions): Promise<Response> {
    if (!this.assumed) {
      await this.ping(options.signal);
      return this.authenticated(options);
    }
    const hinted = this.scheme;
    try {
      return await this.authenticated(options);
    } catch (error) {
      // Only a failure to connect, or the 400 a TLS port gives plain http, may mean the other scheme.
      const otherScheme = error instanceof RegistryError && (error.status === undefined || error.status === 400) && error.kind !== 'auth';
      if (options.signal?.aborted || !otherScheme) throw error;
      await this.ping(options.signal);
      if (this.scheme === hinted) throw error;
      return this.authenticated(options);
    }
  }

  /** One request with the credentials the registry wants, and a second try after a 401 asking for more scope. */
  private async authenticated(options: SendOptions): Promise<Response> {
    const url = options.url.startsWith('/') ? `${this.base}${options.url}` : options.url;
    const target = checkOrigin(this.base, this.host, url, options.what);
    let scopes = options.scopes;
    for (let tryAuth = 0; ; tryAuth++) {
      const authorization = await this.auth.header(scopes, target, options.signal);
      const headers = { ...options.headers, ...(authorization ? { authorization } : {}) };
      const response = await this.raw(options.method, url, headers, options.body?.(), options.signal, options.what);
      if (response.status === 401 && tryAuth === 0 && this.auth.scheme === 'bearer') {
        await response.body.dump();
        this.auth.invalidate(scopes);
        scopes = this.auth.scopesFrom(response.headers['www-authenticate'], scopes);
        continue;
      }
      if (response.status === 401 && tryAuth === 0 && this.assumed && !isBasicChallenge(response.headers['www-authenticate'])) {
        // The hint is out of date: the registry wants another scheme now. As its challenge says, once.
        await response.body.dump();
        this.dropHint('keep');
        this.auth.setChallenge(response.headers['www-authenticate']);
        continue;
      }
      if (options.expect.includes(response.status)) return response;
      throw await unexpectedAnswer(options, response, this.host);
    }
  }

  /** An authenticated request, retried on its own unless `retry: false`. */
  send(options: SendOptions): Promise<Response> {
    if (options.retry === false) return this.once(options);
    return this.retrying(() => this.once(options), options.signal, options.what);
  }
}
