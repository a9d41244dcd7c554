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
  /**
   * Forwards `from` to `to`, each chunk half a round trip later than it came, in order. One queue and one
   * timer per direction: a timer per chunk could fire out of order when two fall due in the same
   * millisecond, and a registry handed reordered bytes rightly refuses the blob (DIGEST_INVALID).
   */
  const relay = (from, to, firstExtra) => {
    const queue = [];
    let extra = firstExtra;
    let timer = null;
    let ended = false;
    const drain = () => {
      timer = null;
      while (queue.length > 0 && queue[0].due <= Date.now()) {
        const { chunk } = queue.shift();
        if (to.writable) to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(drain, queue[0].due - Date.now());
      else if (ended && to.writable) to.end(); // what was on its way arrived before the end
    };
    from.on('data', (chunk) => {
      queue.push({ chunk, due: Date.now() + rttMs / 2 + extra });
      extra = 0;
      if (timer === null) timer = setTimeout(drain, queue[0].due - Date.now());
    });
    const finish = () => {
      ended = true;
      if (timer === null) timer = setTimeout(drain, 0);
    };
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
