import { createRequire } from 'node:module';
import type { Dispatcher } from 'undici';

interface UndiciParts {
  Agent: typeof import('undici').Agent;
  /** undici's `Dispatcher#request`, called with the agent as `this`. */
  request: (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
}
let loaded: Promise<UndiciParts> | undefined;

/**
 * The two parts of undici we use (the Agent and its `request`), loaded on first use. undici's index
 * evaluates all of it (fetch, WebSocket, caches, interceptors: about 160 ms here) where these take
 * about 55 ms; start-up is most of a small build's time. If a later undici moves these files, the
 * whole package is loaded instead. These are internal files: the registry-client tests and the e2e
 * tests exercise them with the undici the lockfile pins.
 */
function undici(): Promise<UndiciParts> {
  loaded ??= (async () => {
    try {
      const require = createRequire(import.meta.url);
      const Agent = require('undici/lib/dispatcher/agent.js') as UndiciParts['Agent'];
      const request = require('undici/lib/api/api-request.js') as UndiciParts['request'];
      if (typeof Agent === 'function' && typeof request === 'function') return { Agent, request };
    } catch {
      // Fall through to the public entry point.
    }
    const whole = await import('undici');
    return { Agent: whole.Agent, request: whole.Dispatcher.prototype.request as UndiciParts['request'] };
  })();
  return loaded;
}

export async function createAgent(): Promise<Dispatcher> {
  const { Agent } = await undici();
  return new Agent({ connections: 8, headersTimeout: 600_000, bodyTimeout: 600_000, keepAliveTimeout: 10_000 });
}

export async function httpRequest(url: string | URL, options: { dispatcher: Dispatcher } & Omit<Dispatcher.RequestOptions, 'origin' | 'path'>): Promise<Dispatcher.ResponseData> {
  const { request } = await undici();
  const { dispatcher, ...rest } = options;
  const target = new URL(url);
  return request.call(dispatcher, { ...rest, origin: target.origin, path: `${target.pathname}${target.search}` } as Dispatcher.RequestOptions);
}
