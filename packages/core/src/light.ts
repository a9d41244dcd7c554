// What the CLI needs before it knows which command runs: error types and secret masking, without
// loading the engine (zod, listr2, execa, handlebars, undici...). Keeps `uai --help` fast.
export { isUaiError, UaiError } from './errors/uai-error.js';
export { redact } from './secrets/redact.js';
export { secretsOf } from './secrets/secret-env.js';
export { parseShard, type Shard } from './plan/shard.js';
