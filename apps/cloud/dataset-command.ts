import { type Command, InvalidArgumentError } from 'commander';
import type { CloudConfig } from '../../cloud/config/cloud-config-schema.ts';
import { loadCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import { exportDataset } from '../../cloud/datasets/export-dataset.ts';
import { CategoryMappingSchema, importDataset } from '../../cloud/datasets/import-dataset.ts';
import { openDatabase } from '../../cloud/db/open-database.ts';
import { openEvidenceStore } from '../../cloud/evidence/open-evidence-store.ts';
import { loadPlaces } from '../../cloud/places/load-places.ts';
import { openCloudStore } from '../../cloud/repositories/cloud-store.ts';
import { createCloudCore } from '../../cloud/services/cloud-core.ts';
import { LabelService } from '../../cloud/services/label-service.ts';

const isoTime = (value: string) => {
  const at = new Date(value);
  if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value))
    throw new InvalidArgumentError('an ISO 8601 time, e.g. 2026-11-01 or 2026-11-01T08:00:00+08:00');
  return at;
};

const fraction = (value: string) => {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('a number from 0 to 1');
  return n;
};

const mapping = (value: string, previous: Map<string, string>) => {
  const parsed = CategoryMappingSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'THEIR=OURS');
  const [theirs, ours] = parsed.data;
  return new Map(previous).set(theirs, ours);
};

/** The labels of the configured database, and a way to close it. */
async function openLabels(config: Readonly<CloudConfig>) {
  const db = await openDatabase(config.database);
  const places = await loadPlaces(config.places.grids, config.places.cameras);
  const core = createCloudCore(openCloudStore(db), config, places);
  return { labels: new LabelService(core.store, core.tickets), close: () => db.close() };
}

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** `dataset export` and `dataset import`: reviewed labels out to COCO and back from CVAT or Label Studio. */
export function registerDatasetCommands(program: Command): void {
  const dataset = program.command('dataset').description('training datasets from reviewed labels (COCO)');

  dataset
    .command('export')
    .description('labelled snapshots as images/ and COCO annotations, split into train and val by incident')
    .requiredOption('--config <file>', 'cloud config (YAML)')
    .requiredOption('--out <dir>', 'a new or empty folder')
    .option('--camera <id>', 'only this camera')
    .option('--since <time>', 'only events observed from this time on (ISO 8601)', isoTime)
    .option('--scenario <name>', 'only this scenario (its name, or its event type)')
    .option('--val-fraction <f>', 'share of incidents in the validation part', fraction, 0.2)
    .action(
      async (options: {
        config: string;
        out: string;
        camera?: string;
        since?: Date;
        scenario?: string;
        valFraction: number;
      }) => {
        const config = await loadCloudConfig(options.config);
        const { labels, close } = await openLabels(config);
        const evidence = await openEvidenceStore(config.evidence);
        try {
          print(
            await exportDataset(labels, evidence.store, {
              out: options.out,
              cameraId: options.camera,
              since: options.since,
              scenario: options.scenario,
              valFraction: options.valFraction,
              now: new Date(),
            }),
          );
        } finally {
          await evidence.close();
          await close();
        }
      },
    );

  dataset
    .command('import')
    .description('labels from a COCO file of CVAT or Label Studio, onto the snapshots it names')
    .requiredOption('--config <file>', 'cloud config (YAML)')
    .requiredOption('--file <coco.json>', 'the COCO annotation file')
    .option('--images <dir>', 'the images, to match those whose names lack their sha256 by their content')
    .option(
      '--map <theirs=ours>',
      'a category name → our label (repeatable)',
      mapping,
      new Map<string, string>(),
    )
    .option('--new-labels', 'accept categories no detection or label has used yet')
    .option('--overwrite', 'replace labels a snapshot already has (else reported as conflicts)')
    .option('--by <name>', 'who the audit trail names as the labeller', 'import')
    .action(
      async (options: {
        config: string;
        file: string;
        images?: string;
        map: Map<string, string>;
        newLabels?: boolean;
        overwrite?: boolean;
        by: string;
      }) => {
        const config = await loadCloudConfig(options.config);
        const { labels, close } = await openLabels(config);
        try {
          print(
            await importDataset(labels, {
              file: options.file,
              imagesDir: options.images,
              categoryMap: options.map,
              newLabels: options.newLabels === true,
              overwrite: options.overwrite === true,
              by: options.by,
              now: new Date(),
            }),
          );
        } finally {
          await close();
        }
      },
    );
}
