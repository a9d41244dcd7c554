// (f) Scale on one machine: a batch of many small models against one model of the same bytes, first push
// and no-op; and the peak RSS of a --dry-run of a thousand models.
import { dryRunRss, native } from '../lib/contenders.mjs';
import { MB, options } from '../lib/context.mjs';
import { settle } from '../lib/process.mjs';
import { makeProject } from '../lib/project.mjs';
import { fmt, fmtBytes, list, median, record } from '../lib/report.mjs';

const { sizes, reps } = options;

/** First push, then `reps` no-ops, of a fresh project: their times. */
async function firstAndNoOps(project) {
  await settle();
  const first = await native(project);
  const noOps = [];
  for (let rep = 0; rep < reps; rep++) noOps.push((await native(project)).ms);
  return { first, noOps };
}

export async function scenarioF() {
  const { batch, batchTotal } = sizes;
  const one = await firstAndNoOps(makeProject({ weightBytes: batchTotal }));
  const many = await firstAndNoOps(makeProject({ count: batch, weightBytes: batchTotal / batch }));
  const firstRatio = many.first.ms / one.first.ms;
  record(
    'f',
    `first push of ${batch} models of ${fmtBytes(batchTotal / batch)} vs one model of ${fmtBytes(batchTotal)} (uai ${many.first.cpu.toFixed(1)} s + registry ${many.first.registryCpu.toFixed(1)} s of CPU)`,
    `${fmt(many.first.ms)} vs ${fmt(one.first.ms)} (${firstRatio.toFixed(2)}x)`,
    '<= 4x',
    firstRatio <= 4,
  );
  const noOpRatio = median(many.noOps) / median(one.noOps);
  record(
    'f',
    `no-op rebuild of the ${batch} vs of the one (medians of ${reps}: ${list(many.noOps)} / ${list(one.noOps)})`,
    `${fmt(median(many.noOps))} vs ${fmt(median(one.noOps))} (${noOpRatio.toFixed(2)}x)`,
    '<= 3x',
    noOpRatio <= 3,
  );
  const dry = await dryRunRss(makeProject({ count: sizes.dryRunModels, weightBytes: 1024 }));
  record('f', `peak RSS of a --dry-run of ${sizes.dryRunModels} models (in ${fmt(dry.ms)})`, fmtBytes(dry.rss), '< 200 MB', dry.rss < 200 * MB);
}
