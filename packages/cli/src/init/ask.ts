import { identifiers } from '@uai/core';
import { isCancel, select, text } from '@clack/prompts';
import type { Choice, MainClass } from './choose.js';
import { folderLabel, type Proposal } from './detect.js';
import type { ModelGuess } from './model-files.js';

/** Ctrl-C (or Escape) at a prompt: nothing is written. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

function answered<T>(value: T): Exclude<T, symbol> {
  if (isCancel(value)) throw new Cancelled();
  return value as Exclude<T, symbol>;
}

const skip = 'skip' as const;
const manual = 'manual' as const;

function where(proposal: Proposal): string {
  return folderLabel(proposal.codeFolder);
}

async function askModel(proposal: Proposal): Promise<ModelGuess | typeof skip> {
  const options = [
    ...proposal.models.map((guess, index) => ({ value: index, label: `${guess.framework}: ${guess.files.join(' + ')}`, hint: guess.why })),
    { value: -1, label: `none: leave ${where(proposal)} out` },
  ];
  const index = answered(
    await select<number>({ message: `Which model files does ${where(proposal)} serve? (${proposal.modelDoubt})`, options, initialValue: 0 }),
  );
  return index === -1 ? skip : proposal.models[index]!;
}

/** A module and class typed in: checked as the config checks them, the module against the files found. */
async function askMainByHand(proposal: Proposal, moduleExists: (mainModule: string) => boolean): Promise<MainClass> {
  const mainModule = answered(
    await text({
      message: `mainModule: the Python module in ${where(proposal)} that defines the model class (no .py, dots for packages)`,
      validate: (value) => {
        if (!value || !identifiers.pythonModulePattern.test(value)) return 'a module name like mnist_inference or pkg.module';
        return moduleExists(value) ? undefined : `${value.split('.').join('/')}.py is not in ${where(proposal)}`;
      },
    }),
  );
  const mainClass = answered(
    await text({
      message: `mainClass: the class in ${mainModule} the server instantiates`,
      validate: (value) => (value && identifiers.pythonIdentifierPattern.test(value) ? undefined : 'a Python class name like MnistModel'),
    }),
  );
  return { mainModule, mainClass };
}

async function askMain(proposal: Proposal, moduleExists: (mainModule: string) => boolean): Promise<MainClass | typeof skip> {
  const options: { value: number | typeof manual | typeof skip; label: string; hint?: string }[] = [
    ...proposal.classes.map((guess, index) => ({ value: index, label: `${guess.mainClass} in ${guess.mainModule}`, hint: guess.why })),
    { value: manual, label: 'type a module and class' },
    { value: skip, label: `none: leave ${where(proposal)} out` },
  ];
  const picked = answered(
    await select({ message: `Which class serves the model in ${where(proposal)}? (${proposal.classDoubt})`, options, initialValue: options[0]!.value }),
  );
  if (picked === skip) return skip;
  if (picked === manual) return askMainByHand(proposal, moduleExists);
  const guess = proposal.classes[picked]!;
  return { mainModule: guess.mainModule, mainClass: guess.mainClass };
}

/** Asks about each doubtful guess of a proposal; a sure guess is taken as it is. */
export async function askChoice(proposal: Proposal, moduleExists: (mainModule: string) => boolean): Promise<Choice> {
  const model = proposal.modelDoubt ? await askModel(proposal) : proposal.models[0]!;
  if (model === skip) return { skip: 'left out when asked' };
  const top = proposal.classes[0];
  const main = proposal.classDoubt || !top ? await askMain(proposal, moduleExists) : { mainModule: top.mainModule, mainClass: top.mainClass };
  if (main === skip) return { skip: 'left out when asked' };
  return { model, main, asked: true };
}

/** The UHub repository to push to; Enter takes the suggestion. */
export async function askNamespace(suggestion: string): Promise<string> {
  const value = answered(
    await text({
      message: 'registry.namespace: your UHub repository (lowercase letters, digits and . _ -)',
      placeholder: suggestion,
      defaultValue: suggestion,
      validate: (input) => (!input || identifiers.namespacePattern.test(input) ? undefined : 'lowercase letters, digits and . _ - (like uai_demo)'),
    }),
  );
  return value || suggestion;
}
