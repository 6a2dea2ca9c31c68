import { Command, InvalidArgumentError } from 'commander';
import { trainAttributeClassifier, trainVerifier } from './train-verifier.ts';
import { DatasetError } from './verifier-dataset.ts';

/**
 * `npm run models -- <command>`: models trained from a centre's reviewed datasets
 * (`npm run cloud -- dataset export`). The reference models have their own build scripts
 * (`npm run models:build*`).
 */

function probability(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError(`"${value}" is not a number from 0 to 1`);
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return n;
}

function seed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new InvalidArgumentError(`"${value}" is not a 32-bit seed`);
  return n;
}

function classes(value: string): string[] {
  const list = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (list.length < 2 || new Set(list).size !== list.length)
    throw new InvalidArgumentError(`"${value}" is not two or more distinct comma-separated class names`);
  return list;
}

function region(value: string): [number, number, number, number] {
  const v = value.split(',').map(Number);
  const [x1, y1, x2, y2] = v;
  if (
    v.length !== 4 ||
    v.some((n) => !(n >= 0 && n <= 1)) ||
    !((x2 as number) > (x1 as number) && (y2 as number) > (y1 as number))
  )
    throw new InvalidArgumentError(
      `"${value}" is not x1,y1,x2,y2 fractions of the box with x1 < x2 and y1 < y2`,
    );
  return v as [number, number, number, number];
}

/** Folder names become model names, which the manifest format limits. */
function modelFolder(value: string): string {
  const name = value.replace(/\/+$/, '').split('/').pop() ?? '';
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name))
    throw new InvalidArgumentError(
      `"${name}" (the folder's name, which becomes the model's) must be lower-case letters, digits, ".", "_" and "-"`,
    );
  return value;
}

interface Common {
  dataset: string;
  label: string;
  out: string;
  seed?: number;
  epochs?: number;
}

function settingsOf(options: Common) {
  return {
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
  };
}

const program = new Command('models').description('train models from reviewed datasets').showHelpAfterError();

program
  .command('train-verifier')
  .description('train a second-stage verifier that accepts or rejects a detection of LABEL from its crop')
  .requiredOption('--dataset <dir>', 'a dataset folder as `npm run cloud -- dataset export` writes it')
  .requiredOption('--label <label>', 'the detection label to verify, e.g. person')
  .requiredOption('--out <dir>', 'the model folder to write, e.g. models/vtest-person-verifier', modelFolder)
  .option('--precision-goal <p>', 'validation precision the threshold is chosen for', probability, 0.95)
  .option('--seed <n>', 'seed of initialisation, sampling and augmentation', seed)
  .option('--epochs <n>', 'training epochs', integer)
  .action(async (options: Common & { precisionGoal: number }) => {
    await trainVerifier({
      dataset: options.dataset,
      label: options.label,
      out: options.out,
      precisionGoal: options.precisionGoal,
      settings: settingsOf(options),
    });
  });

program
  .command('train-classifier')
  .description(
    'train a crop classifier (e.g. the muck-cover classifier) from an attribute of the boxes of LABEL',
  )
  .requiredOption('--dataset <dir>', 'a dataset folder (COCO, with per-annotation attributes)')
  .requiredOption('--label <label>', 'the boxes to crop, e.g. truck')
  .requiredOption('--attribute <name>', 'the annotation attribute giving the class, e.g. cover')
  .requiredOption('--classes <a,b>', 'the attribute values, in output order, e.g. covered,uncovered', classes)
  .requiredOption('--out <dir>', 'the model folder to write', modelFolder)
  .option(
    '--region <x1,y1,x2,y2>',
    "the part of the box to crop (the muck-truck rule's cargoRegion)",
    region,
    [0, 0, 1, 0.5],
  )
  .option('--seed <n>', 'seed of initialisation, sampling and augmentation', seed)
  .option('--epochs <n>', 'training epochs', integer)
  .action(
    async (
      options: Common & { attribute: string; classes: string[]; region: [number, number, number, number] },
    ) => {
      await trainAttributeClassifier({
        dataset: options.dataset,
        label: options.label,
        attribute: options.attribute,
        classes: options.classes,
        region: options.region,
        out: options.out,
        settings: settingsOf(options),
      });
    },
  );

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(
    `models: ${error instanceof DatasetError ? 'DATASET_INVALID: ' : ''}${(error as Error).message}`,
  );
  process.exitCode = 1;
}
