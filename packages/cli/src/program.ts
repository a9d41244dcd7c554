import { parseShard, type Shard } from '@uai/core/light';
import { type Command, InvalidArgumentError, Option } from 'commander';

/** What every command's action needs: the environment, where its exit status goes, secrets learnt from argv. */
export interface CommandContext {
  env: NodeJS.ProcessEnv;
  /** Secrets learnt from the command line (`uai packdocker --uhub_password`), masked in any error. */
  secrets: string[];
  setStatus: (status: number) => void;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

/** `--output` is checked with the rest of the command line, before any image is read. */
function outputTarget(value: string): string {
  if (!/^(oci|docker-archive):.+$/.test(value)) throw new InvalidArgumentError('expected oci:<dir> or docker-archive:<file>');
  return value;
}

/** `--shard K/N`, checked with the rest of the command line: a bad value is a usage error (2). */
function shardOption(value: string): Shard {
  const shard = parseShard(value);
  if (!shard) throw new InvalidArgumentError('expected K/N with 1 <= K <= N, like 2/4');
  return shard;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

// Commands are imported when they run, so `uai --help` and `--version` do not load the engine.

/** `uai build` and its flags. */
function defineBuild(program: Command, { env, secrets, setStatus }: CommandContext): void {
  program
    .command('build')
    .description('check, render, build and push every model, in parallel')
    .option('--model <name>', 'only this model (repeatable)', collect)
    .option('--no-push', 'build, but do not push')
    .option('--dry-run', 'check and render only; print the plan; run no builder, touch no registry')
    .option('--json', 'print one JSON document on stdout; progress goes to stderr')
    .option(
      '--concurrency <n>',
      'models built at once (default: the config, else the number of CPUs; the native builder: four per CPU, at most 16)',
      positiveInt,
    )
    .option('--config <path>', 'config file (default: uai.config.ts and friends in the current folder)')
    .option('--fail-fast', 'stop the other models at the first failure')
    .addOption(
      new Option('--builder <builder>', 'what makes the images: docker, native (no engine needed), or auto: docker when an engine answers').choices([
        'auto',
        'docker',
        'native',
      ]),
    )
    .option('--output <target>', 'also write the image to oci:<dir> or docker-archive:<file> ({model} is the model name); native builder', outputTarget)
    .option('--force', 'rebuild and push even models whose inputs did not change since their last push')
    .option('--no-tag', 'push every blob and the manifest by digest; create or move no tag (status staged; uai publish moves them)')
    .option('--atomic', 'stage every model (and test it, with --test), then move all tags only if every model succeeded')
    .option('--test', "run each model's smoke test (test: in the config) after it is built, before its tag moves")
    .option('--shard <K/N>', 'build only shard K of N of the selected models (the same split on every machine)', shardOption)
    .addOption(
      new Option('--password <value>').hideHelp().argParser((value) => {
        secrets.push(value);
        throw new InvalidArgumentError('passwords are never taken on the command line; set UHUB_PASSWORD');
      }),
    )
    .action(async (flags) => {
      setStatus(await (await import('./commands/build.js')).buildCommand(flags, env));
    });
}

/** Every command but `build`: the old command line, the lock, init, schema, frameworks. */
function defineOthers(program: Command, { env, secrets, setStatus }: CommandContext): void {
  program
    .command('packdocker')
    .description('the old uai_tool.py packdocker command line: build and push one model (caffe|tf|keras|mxnet|xgboost|self)')
    .argument('<framework>', 'caffe, tf, keras, mxnet, xgboost or self')
    .argument(
      '[flags...]',
      'the old flags: --pack_file_path --main_module --main_class --model_dir --model_name --uhub_registry --uhub_imagename ... (--print-config prints the equivalent uai.config.ts)',
    )
    .allowUnknownOption()
    .helpOption('-h, --help')
    .action(async (framework: string, flags: string[]) => {
      setStatus(await (await import('./commands/packdocker.js')).packdockerCommand(framework, flags, env, secrets));
    });

  program
    .command('test')
    .description("run each model's smoke test (test: in the config) against its image, in the local Docker engine")
    .option('--model <name>', 'only this model (repeatable)', collect)
    .option('--json', 'print one JSON document on stdout')
    .option('--config <path>', 'config file')
    .action(async (flags: { model?: string[]; json?: boolean; config?: string }) => {
      setStatus(await (await import('./commands/test.js')).testCommand(flags, env));
    });

  program
    .command('publish')
    .description('move every tag of staged builds (uai build --no-tag --json reports) to its digest, all or nothing')
    .argument('[reports...]', 'the reports (default: standard input)')
    .option('--json', 'print one JSON document on stdout')
    .option('--config <path>', 'config file whose models the reports must cover (default: uai.config.ts here, if any)')
    .option('--model <name>', 'only these models of the config (repeatable)', collect)
    .action(async (reports: string[], flags: { json?: boolean; config?: string; model?: string[] }) => {
      setStatus(await (await import('./commands/publish.js')).publishCommand(reports, flags, env));
    });

  program
    .command('lock')
    .description("resolve every model's base image to its registry digest and write uai.lock.json")
    .option('--config <path>', 'config file')
    .action(async (flags: { config?: string }) => {
      setStatus(await (await import('./commands/lock.js')).lockCommand(flags, env));
    });

  program
    .command('init')
    .description('write uai.config.ts for the model folders found here (asks when unsure; never overwrites)')
    .option('--yes', 'take every guess without asking (for CI)')
    .action(async (flags: { yes?: boolean }) => {
      setStatus(await (await import('./commands/init.js')).initCommand(flags, env));
    });

  program
    .command('schema')
    .description("print the config's JSON Schema (draft 2020-12), the installed plugins' options included")
    .option('--config <path>', 'config file whose plugins to include (default: uai.config.ts and friends in the current folder)')
    .action(async (flags: { config?: string }) => {
      setStatus(await (await import('./commands/schema.js')).schemaCommand(flags, env));
    });

  program
    .command('frameworks')
    .description('list installed frameworks, their aiArchV values and default base images')
    .action(async () => {
      setStatus(await (await import('./commands/frameworks.js')).frameworksCommand(env));
    });
}

/** Adds every command of `uai` to `program`. */
export function defineCommands(program: Command, context: CommandContext): void {
  defineBuild(program, context);
  defineOthers(program, context);
}
