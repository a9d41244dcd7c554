// `uai build` with the native builder, in this process: what `uai build --builder native` runs, used by
// the benchmarks so they measure the builder and not argument parsing. Prints the --json report on
// stdout and `maxRssBytes=<n>` on stderr.
// Usage: node bench/uai-native.mjs [--no-push] [--force] [--concurrency N] [--output oci:DIR|docker-archive:FILE]
import { fileURLToPath } from 'node:url';
import { build, jsonReport } from '../packages/core/dist/index.js';
import { nativeBuilder } from '../packages/core/dist/native-builder.js';

const args = process.argv.slice(2);
const value = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const push = !args.includes('--no-push');
const output = value('--output');
const force = args.includes('--force');
const concurrency = value('--concurrency') ? Number(value('--concurrency')) : undefined;

const report = await build({
  env: process.env,
  push,
  concurrency,
  renderer: 'silent',
  fallbackFrom: fileURLToPath(new URL('../packages/cli/', import.meta.url)),
  createBuilder: () => nativeBuilder({ env: process.env, push, output, force }),
});
process.stdout.write(`${jsonReport(report.models)}\n`);
process.stderr.write(`maxRssBytes=${process.resourceUsage().maxRSS * 1024}\n`);
process.exitCode = report.exitCode;
