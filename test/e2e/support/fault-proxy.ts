// An HTTP proxy on 127.0.0.1 in front of a registry that injects faults: a status (503, 429, 400) or a
// connection reset (mid-body for uploads) for the first N requests that match a rule. Everything else
// is forwarded as is, Host header included, so the registry's upload Locations point back at the proxy.
import http from 'node:http';
import { freePort } from './wait.mjs';

export interface FaultRule {
  method?: string;
  /** Matched against the request path and query. */
  path: RegExp;
  /** A status to answer instead of the registry, or `reset` to cut the connection. */
  fault: number | 'reset';
  /** How many matching requests get the fault. @default 1 */
  times?: number;
  /** For a status: a Retry-After header. */
  retryAfter?: string;
}

export interface ProxyEvent {
  method: string;
  path: string;
  /** The fault injected, or the registry's status. */
  outcome: string;
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
  let rules: (FaultRule & { used: number })[] = [];
  const events: ProxyEvent[] = [];

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const rule = rules.find((r) => (!r.method || r.method === method) && r.path.test(target) && r.used < (r.times ?? 1));
    if (rule) {
      rule.used++;
      events.push({ method, path: target, outcome: String(rule.fault) });
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
    const forward = http.request({ host: upstreamHost, port: Number(upstreamPort), method, path: target, headers: req.headers }, (answer) => {
      events.push({ method, path: target, outcome: String(answer.statusCode) });
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${port}`,
    events,
    setRules(next) {
      rules = next.map((rule) => ({ ...rule, used: 0 }));
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
