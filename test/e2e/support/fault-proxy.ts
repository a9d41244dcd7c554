// An HTTP proxy on 127.0.0.1 in front of a registry that injects faults: a status (503, 429, 400), a
// connection reset (mid-body for uploads), an answer with its body changed or a wrong
// Docker-Content-Digest, for the first N requests that match a rule (after M let through). Everything
// else is forwarded as is, Host header included, so the registry's upload Locations point back at the
// proxy. It counts the request bytes it forwards.
import { createHash } from 'node:crypto';
import http from 'node:http';
import { Transform } from 'node:stream';
import { freePort } from './wait.mjs';

export interface FaultRule {
  method?: string;
  /** Matched against the request path and query. */
  path: RegExp;
  /**
   * A status to answer instead of the registry; `reset` to cut the connection (an upload's once some of
   * its body arrived; none of it reaches the registry, as behind a proxy that buffers request bodies);
   * `corrupt` to forward the registry's answer with the first byte of its body changed; `wrong-digest`
   * to forward it with a Docker-Content-Digest that names other bytes.
   */
  fault: number | 'reset' | 'corrupt' | 'wrong-digest';
  /** How many matching requests get the fault. @default 1 */
  times?: number;
  /** How many matching requests go through unharmed first (the fault comes in the middle). @default 0 */
  after?: number;
  /** Only requests with a body of at least this many bytes (Content-Length) match. @default 0 */
  minBytes?: number;
  /** For a status: a Retry-After header. */
  retryAfter?: string;
}

export interface ProxyEvent {
  method: string;
  path: string;
  /** The fault injected, or the registry's status (with the fault, for `corrupt` and `wrong-digest`). */
  outcome: string;
  /** Bytes of the request's body forwarded to the registry. */
  forwarded: number;
}

/** A Docker-Content-Digest that names no bytes the registry sent. */
export const wrongDigest = `sha256:${createHash('sha256').update('not what the registry sent').digest('hex')}`;

/** Passes a body through with its first byte changed. */
function corrupting(): Transform {
  let first = true;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (first && chunk.length > 0) {
        first = false;
        const copy = Buffer.from(chunk);
        copy[0] = copy[0]! ^ 0xff;
        return callback(null, copy);
      }
      callback(null, chunk);
    },
  });
}

export interface FaultProxy {
  host: string;
  events: ProxyEvent[];
  /** Replaces the rules (counts start again). */
  setRules(rules: FaultRule[]): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(upstream: { host: string }): Promise<FaultProxy> {
  const [upstreamHost, upstreamPort] = upstream.host.split(':');
  let rules: (FaultRule & { used: number; seen: number })[] = [];
  const events: ProxyEvent[] = [];

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const bytes = Number(req.headers['content-length'] ?? 0);
    const matched = rules.find((r) => (!r.method || r.method === method) && r.path.test(target) && bytes >= (r.minBytes ?? 0) && r.used < (r.times ?? 1));
    if (matched) matched.seen++;
    const rule = matched && matched.seen > (matched.after ?? 0) ? matched : undefined;
    if (rule) rule.used++;
    if (rule && rule.fault !== 'corrupt' && rule.fault !== 'wrong-digest') {
      events.push({ method, path: target, outcome: String(rule.fault), forwarded: 0 });
      if (rule.fault === 'reset') {
        // Let some of an upload through first, so the client sees a reset mid-body.
        const cut = () => req.socket.destroy();
        if (req.headers['content-length'] && req.headers['content-length'] !== '0') req.once('data', cut);
        else cut();
        return;
      }
      req.resume();
      res.writeHead(rule.fault, { 'content-type': 'application/json', ...(rule.retryAfter ? { 'retry-after': rule.retryAfter } : {}) });
      res.end(JSON.stringify({ errors: [{ code: 'INJECTED', message: `fault injected by the test proxy (${rule.fault})` }] }));
      return;
    }
    let forwarded = 0;
    const forward = http.request({ host: upstreamHost, port: Number(upstreamPort), method, path: target, headers: req.headers }, (answer) => {
      const fault = rule ? ` ${rule.fault}` : '';
      events.push({ method, path: target, outcome: `${answer.statusCode}${fault}`, forwarded });
      const headers = { ...answer.headers };
      if (rule?.fault === 'wrong-digest') headers['docker-content-digest'] = wrongDigest;
      res.writeHead(answer.statusCode ?? 502, headers);
      if (rule?.fault === 'corrupt') answer.pipe(corrupting()).pipe(res);
      else answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.on('data', (chunk: Buffer) => (forwarded += chunk.length));
    // A client that drops a request half sent: the registry sees its connection cut too.
    req.on('close', () => {
      if (!req.complete) forward.destroy();
    });
    req.pipe(forward);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${port}`,
    events,
    setRules(next) {
      rules = next.map((rule) => ({ ...rule, used: 0, seen: 0 }));
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
