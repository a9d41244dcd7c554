// HTTP for the registry client: undici (only the parts we use, loaded on first use), the agent of one
// registry host, and one request through it.
import { createRequire } from 'node:module';
import type { Dispatcher } from 'undici';
import { connectOptions, readHostTls } from './tls.js';

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
 * whole package is loaded instead. These are internal files: the registry client tests and the e2e
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

/** The client's agent: Node's TLS defaults, plus the host's own CAs and client certificate when its certs.d folder has them. */
export async function createAgent(host: string, certsDir: string): Promise<Dispatcher> {
  const [{ Agent }, connect] = await Promise.all([undici(), readHostTls(certsDir, host).then(connectOptions)]);
  return new Agent({ connections: 16, headersTimeout: 600_000, bodyTimeout: 600_000, keepAliveTimeout: 10_000, ...(connect ? { connect } : {}) });
}

/** One request through `dispatcher`, sent once the connections it may reuse are free. */
export async function httpRequest(
  url: string | URL,
  options: { dispatcher: Dispatcher } & Omit<Dispatcher.RequestOptions, 'origin' | 'path'>,
): Promise<Dispatcher.ResponseData> {
  const { request } = await undici();
  // undici frees a kept-alive connection one event-loop turn after its answer ends (setImmediate), to see
  // whether the server closes it; a request sent before then, as one that follows an awaited answer is,
  // finds every connection busy and opens another: a round trip more on a network. Wait that turn.
  await new Promise((resolve) => setImmediate(resolve));
  (options.signal as AbortSignal | undefined)?.throwIfAborted(); // stopped meanwhile: nothing goes out
  const { dispatcher, ...rest } = options;
  const target = new URL(url);
  const answer = request.call(dispatcher, { ...rest, origin: target.origin, path: `${target.pathname}${target.search}` } as Dispatcher.RequestOptions);
  return options.signal ? abortable(answer, options.signal as AbortSignal) : answer;
}

/**
 * The answer, or the signal's reason as soon as it fires. undici leaves a request whose TLS handshake
 * has not finished to its connect timeout (10 s) even when its signal fires: a Ctrl-C would wait that
 * long on a registry that does not answer. What comes later is dropped (the client's close ends it).
 */
function abortable(answer: Promise<Dispatcher.ResponseData>, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    answer.then(
      (response) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) response.body.dump().catch(() => undefined);
        else resolve(response);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
