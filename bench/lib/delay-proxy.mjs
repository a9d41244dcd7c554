// A registry far away, on this machine: a TCP proxy on 127.0.0.1 that delays data by half a round trip
// each way, and a new connection's first data by one more round trip (the TCP handshake a client would
// wait for). Loopback hides every round trip; through this, each one costs what it costs on a network.
import net from 'node:net';

/**
 * @param {{ host: string }} upstream the registry, `127.0.0.1:PORT`
 * @param {number} rttMs the round trip to model
 * @returns {Promise<{ host: string, connections: () => number, stop: () => Promise<void> }>}
 */
export async function startDelayProxy(upstream, rttMs) {
  const [upstreamHost, upstreamPort] = upstream.host.split(':');
  let connections = 0;
  const sockets = new Set();
  /** Forwards `from` to `to`, each chunk `delay` ms later than it came, in order. */
  const relay = (from, to, firstExtra) => {
    let last = 0;
    let extra = firstExtra;
    from.on('data', (chunk) => {
      const due = Math.max(last, Date.now() + rttMs / 2 + extra);
      extra = 0;
      last = due;
      setTimeout(() => to.writable && to.write(chunk), due - Date.now());
    });
    // What is still on its way arrives before the other side hears the end.
    const finish = () => setTimeout(() => to.end(), Math.max(0, last - Date.now()));
    from.on('end', finish);
    from.on('close', finish);
  };
  const server = net.createServer((client) => {
    connections++;
    const registry = net.connect(Number(upstreamPort), upstreamHost);
    sockets.add(client).add(registry);
    relay(client, registry, rttMs);
    relay(registry, client, 0);
    const fail = () => {
      client.destroy();
      registry.destroy();
    };
    client.on('error', fail).on('close', () => sockets.delete(client));
    registry.on('error', fail).on('close', () => sockets.delete(registry));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    host: `127.0.0.1:${port}`,
    connections: () => connections,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve(undefined));
      }),
  };
}
