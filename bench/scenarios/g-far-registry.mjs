// (g) A registry 50 ms away, as UHub is from most users: the same builds through a proxy that delays
// every byte by half a round trip each way (and a new connection's first by one more), against the same
// builds straight to the registry. The difference, in round trips, is what a network would add.
import { appendFileSync } from 'node:fs';
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

export async function scenarioG() {
  const far = await startDelayProxy(bench.registry, rttMs);
  try {
    const env = { UAI_REGISTRY_HOST: far.host };
    const { near, away } = await phases(env);
    const targets = { first: 7, change: 5, noOp: 3 };
    for (const [phase, what] of [
      ['first', 'first push'],
      ['change', 'one-line code change'],
      ['noOp', 'no-op'],
    ]) {
      const trips = (away[phase] - near[phase]) / rttMs;
      record(
        'g',
        `${what}, one model, ${rttMs} ms away: ${fmt(away[phase])} vs ${fmt(near[phase])} on loopback`,
        `${trips.toFixed(1)} round trips more`,
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
