// (g) A registry 50 ms away, as UHub is from most users: the same builds through a proxy that delays
// every byte by half a round trip each way (and a new connection's first by one more), against the same
// builds straight to the registry. The difference, in round trips, is what a network would add.
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { native } from '../lib/contenders.mjs';
import { bench, options } from '../lib/context.mjs';
import { startDelayProxy } from '../lib/delay-proxy.mjs';
import { makeProject } from '../lib/project.mjs';
import { fmt, median, record } from '../lib/report.mjs';

const { sizes, reps } = options;
const rttMs = 50;

/**
 * One model's first push, a one-line code change and a no-op, straight and through `far`, interleaved
 * (each phase runs on loopback and far away back to back, in alternating order) so that a machine or a
 * registry that slows down over the run weighs on both sides alike: median times of each.
 */
async function phases(farEnv) {
  const where = { near: {}, away: farEnv };
  const times = { near: { first: [], change: [], noOp: [] }, away: { first: [], change: [], noOp: [] } };
  for (let rep = 0; rep < reps; rep++) {
    const projects = { near: makeProject({ weightBytes: sizes.far }), away: makeProject({ weightBytes: sizes.far }) };
    const order = rep % 2 === 0 ? ['near', 'away'] : ['away', 'near'];
    for (const phase of ['first', 'change', 'noOp']) {
      for (const side of order) {
        if (phase === 'change') appendFileSync(path.join(projects[side].dir, 'models/m0/mnist_inference.py'), '# a one-line change\n');
        times[side][phase].push((await native(projects[side], [], where[side])).ms);
      }
    }
  }
  const medians = (side) => ({ first: median(times[side].first), change: median(times[side].change), noOp: median(times[side].noOp) });
  return { near: medians('near'), away: medians('away') };
}

/** Median ms of `count` requests for `/v2/` on one kept-alive connection to `host` (after one to open it). */
async function requestMs(host, count = 15) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      http
        .get(`http://${host}/v2/`, { agent }, (response) => {
          response.resume();
          response.on('end', () => resolve(performance.now() - started));
        })
        .on('error', reject);
    });
  await once();
  const times = [];
  for (let i = 0; i < count; i++) times.push(await once());
  agent.destroy();
  return median(times);
}

/**
 * What one round trip through the proxy costs on this machine: a request on a warm connection through it
 * against one straight to the registry. The proxy's timers and this busy 2-core machine add a few ms to
 * the nominal 50; the round trips below are counted in this unit.
 */
async function measuredRoundTrip(far) {
  return (await requestMs(far.host)) - (await requestMs(bench.registry.host));
}

export async function scenarioG() {
  const far = await startDelayProxy(bench.registry, rttMs);
  try {
    const env = { UAI_REGISTRY_HOST: far.host };
    const roundTrip = await measuredRoundTrip(far);
    const { near, away } = await phases(env);
    const targets = { first: 7, change: 5, noOp: 3 };
    for (const [phase, what] of [
      ['first', 'first push'],
      ['change', 'one-line code change'],
      ['noOp', 'no-op'],
    ]) {
      const trips = (away[phase] - near[phase]) / roundTrip;
      record(
        'g',
        `${what}, one model, ${rttMs} ms away: ${fmt(away[phase])} vs ${fmt(near[phase])} on loopback (a round trip through the proxy measured ${roundTrip.toFixed(1)} ms)`,
        `${trips.toFixed(1)} round trips more (${((away[phase] - near[phase]) / rttMs).toFixed(1)} of ${rttMs} ms)`,
        `<= ${targets[phase]}`,
        trips <= targets[phase],
      );
    }
    const batch = makeProject({ count: sizes.batch, weightBytes: 64 * 1024 });
    await native(batch, [], env);
    const connectionsBefore = far.connections();
    const noOps = [];
    for (let rep = 0; rep < reps; rep++) noOps.push((await native(batch, [], env)).ms);
    const ratio = median(noOps) / away.noOp;
    record(
      'g',
      `no-op of ${sizes.batch} models ${rttMs} ms away vs one model's (${Math.round((far.connections() - connectionsBefore) / reps)} connections a run)`,
      `${fmt(median(noOps))} vs ${fmt(away.noOp)} (${ratio.toFixed(2)}x)`,
      '<= 3x',
      ratio <= 3,
    );
  } finally {
    await far.stop();
  }
}
