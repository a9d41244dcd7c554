import type { Dispatcher } from 'undici';
import { isLoopbackHost } from '../name/reference.js';
import { RegistryError } from '../remote/errors.js';
import { parseChallenge, type AuthChallenge } from './challenge.js';
import type { Credential } from './credentials.js';

/** How a token is fetched from the realm: the registry client's own HTTP, on its connections. */
export type TokenRequest = (
  url: URL,
  options: { method: 'GET' | 'POST'; headers: Record<string, string>; body: string | undefined; signal: AbortSignal | undefined },
) => Promise<Dispatcher.ResponseData>;

interface Token {
  value: string;
  expiresAt: number;
}

/** The token scopes for reading (or pushing to) a repository, and for reading the one a blob is mounted from. */
export function repositoryScopes(repository: string, push: boolean, from?: string): string[] {
  const own = `repository:${repository}:${push ? 'pull,push' : 'pull'}`;
  return from && from !== repository ? [own, `repository:${from}:pull`] : [own];
}

/**
 * The Authorization header for a registry, per the challenge its `/v2/` sent: none, Basic, or a Bearer
 * token fetched from the realm for the scopes a request needs (cached per scope set until it expires).
 */
export class RegistryAuth {
  private challenge: AuthChallenge | undefined;
  private readonly tokens = new Map<string, Token>();
  private credential: Promise<Credential | undefined> | undefined;

  constructor(
    private readonly host: string,
    private readonly getCredential: () => Promise<Credential | undefined>,
    private readonly request: TokenRequest,
  ) {}

  setChallenge(header: string | string[] | undefined): void {
    this.challenge = parseChallenge(Array.isArray(header) ? header[0] : header);
  }

  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  private creds(): Promise<Credential | undefined> {
    this.credential ??= this.getCredential();
    return this.credential;
  }

  /** Credentials travel only over https, or plain http to this machine. */
  private checkTransport(url: URL): void {
    if (url.protocol !== 'https:' && !isLoopbackHost(url.host)) {
      throw new RegistryError('insecure', `Refusing to send credentials over plain http to ${url.host}. Use https for this registry.`);
    }
  }

  /**
   * A Basic header to send with the first `/v2/` unasked, when there is a username and password and the
   * transport allows credentials (https, or this machine): a Basic registry then answers 200 at once and
   * the login needs no request of its own. Undefined otherwise (a token only, plain http elsewhere).
   */
  async preemptive(url: URL): Promise<string | undefined> {
    const credential = await this.creds();
    if (!credential || credential.identityToken || !credential.username) return undefined;
    if (url.protocol !== 'https:' && !isLoopbackHost(url.host)) return undefined;
    return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
  }

  /** Forgets the token for these scopes (the registry refused it). */
  invalidate(scopes: readonly string[]): void {
    this.tokens.delete(scopes.join(' '));
  }

  /**
   * The Authorization header for a request to `url` (the URL actually requested: credentials and
   * tokens never go over plain http to another machine, whatever the client's base scheme).
   */
  async header(scopes: readonly string[], url: URL, signal?: AbortSignal): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    const credential = await this.creds();
    if (challenge.scheme === 'basic') {
      if (!credential) return undefined;
      this.checkTransport(url);
      return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
    }
    if (challenge.scheme !== 'bearer') return undefined;
    this.checkTransport(url);
    const key = scopes.join(' ');
    const known = this.tokens.get(key);
    if (known && known.expiresAt > Date.now() + 10_000) return `Bearer ${known.value}`;
    const token = await this.fetchToken(challenge, scopes, credential, signal);
    this.tokens.set(key, token);
    return `Bearer ${token.value}`;
  }

  private async fetchToken(challenge: AuthChallenge, scopes: readonly string[], credential: Credential | undefined, signal?: AbortSignal): Promise<Token> {
    const realm = challenge.params.realm;
    if (!realm) throw new RegistryError('auth', `${this.host} asked for a bearer token but named no realm.`);
    const url = new URL(realm);
    const headers: Record<string, string> = { 'user-agent': 'uai' };
    let method: 'GET' | 'POST' = 'GET';
    let body: string | undefined;
    if (credential?.identityToken) {
      this.checkTransport(url);
      method = 'POST';
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.identityToken, client_id: 'uai' });
      if (challenge.params.service) form.set('service', challenge.params.service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      body = form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      if (credential) {
        this.checkTransport(url);
        headers.authorization = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
      }
    }
    let response: Dispatcher.ResponseData;
    try {
      response = await this.request(url, { method, headers, body, signal });
    } catch (cause) {
      // An untrusted certificate (the transport said so) stays what it is.
      if (cause instanceof RegistryError) throw cause;
      throw new RegistryError('unreachable', `Cannot reach the token server ${url.origin} for ${this.host}: ${(cause as Error).message}`, { cause });
    }
    const text = await response.body.text();
    if (response.statusCode === 401 || response.statusCode === 403) {
      throw new RegistryError('auth', `The token server ${url.origin} refused the credentials for ${this.host} (HTTP ${response.statusCode}).`, {
        status: response.statusCode,
      });
    }
    if (response.statusCode !== 200) {
      throw new RegistryError('other', `The token server ${url.origin} answered HTTP ${response.statusCode}: ${text.slice(0, 200)}`, {
        status: response.statusCode,
      });
    }
    const json = JSON.parse(text) as { token?: string; access_token?: string; expires_in?: number };
    const value = json.token ?? json.access_token;
    if (!value) throw new RegistryError('auth', `The token server ${url.origin} sent no token.`);
    return { value, expiresAt: Date.now() + (json.expires_in ?? 60) * 1000 };
  }

  /** Scopes a 401's challenge asks for beyond ours (insufficient_scope), to retry with. */
  scopesFrom(header: string | string[] | undefined, ours: readonly string[]): string[] {
    const challenge = parseChallenge(Array.isArray(header) ? header[0] : header);
    const extra = challenge?.params.scope?.split(' ').filter(Boolean) ?? [];
    return [...new Set([...ours, ...extra])];
  }
}
