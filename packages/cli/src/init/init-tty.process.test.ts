// `uai init` in a real terminal: tmux gives it a pseudo-terminal (stdin and stdout TTYs), the test reads
// the question off the screen, answers with keys, and checks what was written. Ctrl-C at a prompt exits
// 130 with nothing written.
import { execFile, spawnSync } from 'node:child_process';
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, repoRoot, runUai, uaiBin, uaiEnv, waitFor, type Project } from '../../test/harness.mjs';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const run = promisify(execFile);

let project: Project | undefined;
let socket: string | undefined;
afterEach(async () => {
  // The tmux server of this test only (its own socket), and the shell it runs.
  if (socket) await run('tmux', ['-S', socket, 'kill-server']).catch(() => {});
  await project?.remove();
  project = undefined;
  socket = undefined;
});

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The caffe example in `mnist/` plus these files, no config. */
async function initProject(files: Record<string, string>): Promise<Project> {
  project = await createProject({ models: [] });
  await rm(path.join(project.dir, 'uai.config.json'));
  await cp(path.join(repoRoot, 'examples/caffe-mnist/code'), path.join(project.dir, 'mnist'), { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(project.dir, file)), { recursive: true });
    await writeFile(path.join(project.dir, file), text);
  }
  return project;
}

/** Starts `uai init` in a 110x40 tmux terminal, outside CI; its exit status lands in a file. */
async function startInTerminal(p: Project) {
  socket = path.join(p.tmp, 'tmux.sock');
  const exitFile = path.join(p.tmp, 'init.exit');
  const env = { ...uaiEnv(p), CI: undefined };
  const exports = Object.entries(env)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `export ${key}=${quote(value!)}`);
  const script = path.join(p.tmp, 'init.sh');
  await writeFile(
    script,
    [...exports, 'unset CI', `cd ${quote(p.dir)}`, `${quote(process.execPath)} ${quote(uaiBin)} init`, `echo $? > ${quote(exitFile)}`, 'sleep 60', ''].join(
      '\n',
    ),
  );
  // -u: UTF-8 whatever the locale says, so the prompt's marks (● ○) reach the screen as they are.
  await run('tmux', ['-u', '-S', socket, 'new-session', '-d', '-x', '110', '-y', '40', '-s', 'uai', `sh ${quote(script)}`]);
  const tmux = (...args: string[]) => run('tmux', ['-S', socket!, ...args]);
  const screen = async () => (await tmux('capture-pane', '-p', '-t', 'uai')).stdout;
  return {
    screen,
    /** Waits until the screen shows `text`, and returns the screen. */
    sees: (text: string) => waitFor(`"${text}" on the screen`, async () => ((await screen()).includes(text) ? await screen() : undefined)),
    keys: (...keys: string[]) => tmux('send-keys', '-t', 'uai', ...keys),
    exitStatus: () => waitFor('uai init to exit', async () => (await readFile(exitFile, 'utf8').catch(() => '')).trim() || undefined),
  };
}

const twoClasses = [
  'class First(CaffeAiUcloudModel):\n    def execute(self, data, batch_size):\n        return data\n',
  'class Second(CaffeAiUcloudModel):\n    def execute(self, data, batch_size):\n        return data\n',
].join('\n');

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

describe.skipIf(!hasTmux)(
  hasTmux ? 'uai init in a terminal' : 'uai init in a terminal (skipped: tmux is not installed; it gives the test a real pseudo-terminal)',
  () => {
    it('asks which of two classes serves the model, and writes the answers', async () => {
      const p = await initProject({ 'mnist/two.py': twoClasses });
      const terminal = await startInTerminal(p);
      const question = await terminal.sees('Which class serves the model in mnist/?');
      expect(question).toContain('2 classes look like the model class: First (two.py), Second');
      expect(question).toMatch(/● First in two/);
      expect(question).toMatch(/○ Second in two/);
      await terminal.keys('Down', 'Enter');
      await terminal.sees('registry.namespace: your UHub repository');
      await terminal.keys('team_a', 'Enter');
      expect(await terminal.exitStatus()).toBe('0');
      expect(await terminal.screen()).toContain('Wrote uai.config.ts with 1 model:');
      const source = await readFile(path.join(p.dir, 'uai.config.ts'), 'utf8');
      expect(source).toContain('mainModule: "two",');
      expect(source).toContain('mainClass: "Second",');
      expect(source).toContain('namespace: "team_a",');
      expect(source).not.toContain('guessed this model without asking');
      const dryRun = await runUai(p, ['build', '--dry-run', '--json']);
      expect(dryRun.code, dryRun.stderr).toBe(0);
      expect(JSON.parse(dryRun.stdout).models).toMatchObject([{ name: 'mnist', status: 'planned' }]);
    });

    it('asks which of two model sets to serve; Enter takes the suggested namespace', async () => {
      const p = await initProject({ 'mnist/checkpoint_dir/other.prototxt': 'p', 'mnist/checkpoint_dir/other.caffemodel': 'w' });
      const terminal = await startInTerminal(p);
      const question = await terminal.sees('Which model files does mnist/ serve?');
      expect(question).toContain('2 model sets found');
      expect(question).toContain('○ caffe: checkpoint_dir/other.prototxt + checkpoint_dir/other.caffemodel');
      await terminal.keys('Down', 'Enter');
      await terminal.sees('registry.namespace');
      await terminal.keys('Enter');
      expect(await terminal.exitStatus()).toBe('0');
      const source = await readFile(path.join(p.dir, 'uai.config.ts'), 'utf8');
      expect(source).toContain('modelName: "other",');
      expect(source).toContain(`namespace: ${JSON.stringify(path.basename(p.dir).toLowerCase())},`);
    });

    it('takes a module and class typed in when no class is found, checking the module exists', async () => {
      const p = await initProject({ 'mnist/mnist_inference.py': 'print(1)\n', 'mnist/serve.py': 'import os\n' });
      const terminal = await startInTerminal(p);
      await terminal.sees('Which class serves the model in mnist/? (no importable .py file in mnist/ defines a class');
      await terminal.keys('Enter');
      await terminal.sees('mainModule: the Python module in mnist/');
      await terminal.keys('nothere', 'Enter');
      await terminal.sees('nothere.py is not in mnist/');
      await terminal.keys(...Array<string>(7).fill('BSpace'), 'serve', 'Enter');
      await terminal.sees('mainClass: the class in serve');
      await terminal.keys('Served', 'Enter');
      await terminal.sees('registry.namespace');
      await terminal.keys('Enter');
      expect(await terminal.exitStatus()).toBe('0');
      const source = await readFile(path.join(p.dir, 'uai.config.ts'), 'utf8');
      expect(source).toContain('mainModule: "serve",\n      mainClass: "Served",');
    });

    it('Ctrl-C at a question exits 130 and writes nothing', async () => {
      const p = await initProject({ 'mnist/two.py': twoClasses });
      const terminal = await startInTerminal(p);
      await terminal.sees('Which class serves the model');
      await terminal.keys('C-c');
      expect(await terminal.exitStatus()).toBe('130');
      expect(await terminal.screen()).toContain('Cancelled: nothing was written.');
      expect(await exists(path.join(p.dir, 'uai.config.ts'))).toBe(false);
      expect(await exists(path.join(p.dir, '.gitignore'))).toBe(false);
    });
  },
);
