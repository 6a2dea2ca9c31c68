import type { z } from 'zod';

/**
 * Cross-reference checks of the edge config: unique ids and names, scenarios naming zones the
 * camera has, models by configured aliases. They run even when other fields have problems, so that
 * every problem is reported at once, and see the value as parsed so far, which may be partly
 * invalid (a field may still hold its raw input): they read it as unknown and check only what is
 * usable.
 */

type RefinementCtx = z.RefinementCtx<unknown>;

/** For `superRefine(..., { when })`: run the check whenever the value is an object at all. */
export function alwaysWhenObject(payload: { value: unknown }): boolean {
  return isRecord(payload.value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function records(value: unknown): Array<Record<string, unknown> | undefined> {
  return Array.isArray(value) ? value.map((item) => (isRecord(item) ? item : undefined)) : [];
}

function stringAt(value: Record<string, unknown> | undefined, key: string): string | undefined {
  const field = value?.[key];
  return typeof field === 'string' ? field : undefined;
}

/** Reports every item after the first whose `key` repeats an earlier item's. */
function checkUnique(
  items: Array<Record<string, unknown> | undefined>,
  key: string,
  what: string,
  collection: string,
  ctx: RefinementCtx,
): void {
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    const value = stringAt(item, key);
    if (value === undefined) return;
    const first = firstIndex.get(value);
    if (first === undefined) {
      firstIndex.set(value, index);
      return;
    }
    ctx.addIssue({
      code: 'custom',
      path: [collection, index, key],
      message: `duplicate ${what} "${value}" (also ${collection}[${first}])`,
    });
  });
}

export function checkCameraReferences(camera: unknown, ctx: RefinementCtx): void {
  if (!isRecord(camera)) return;
  const zones = records(camera.zones);
  checkUnique(zones, 'name', 'zone name', 'zones', ctx);
  const scenarios = records(camera.scenarios);
  const named = scenarios.map((s) => {
    const type = stringAt(s, 'type');
    const name = stringAt(s, 'name') ?? (type === undefined ? undefined : `${type}_${stringAt(s, 'zone')}`);
    return name === undefined ? undefined : { name };
  });
  checkUnique(named, 'name', 'scenario name', 'scenarios', ctx);

  if (!Array.isArray(camera.zones)) return;
  const zoneNames = zones.map((z) => stringAt(z, 'name')).filter((n) => n !== undefined);
  scenarios.forEach((scenario, index) => {
    const zone = stringAt(scenario, 'zone');
    if (zone === undefined || zoneNames.includes(zone)) return;
    const cameraId = stringAt(camera, 'id');
    const known = zoneNames.length > 0 ? `zones: ${zoneNames.join(', ')}` : 'it has no zones';
    ctx.addIssue({
      code: 'custom',
      path: ['scenarios', index, 'zone'],
      message: `no zone named "${zone}" on camera${cameraId === undefined ? '' : ` "${cameraId}"`} (${known})`,
    });
  });
}

/** The fields of a scenario type that name a classifier (the edge's scenario registry knows them). */
export type ClassifierFields = (type: unknown) => readonly string[];

export function checkEdgeReferences(
  config: unknown,
  ctx: RefinementCtx,
  classifierFields: ClassifierFields,
): void {
  if (!isRecord(config)) return;
  const cameras = records(config.cameras);
  checkUnique(cameras, 'id', 'camera id', 'cameras', ctx);

  // An alias the schema already refused (or a models value that is not a mapping) would make every
  // reference to it look dangling; report the models problem alone.
  if (!isRecord(config.models) || ctx.issues.some((issue) => issue.path?.[0] === 'models')) return;
  const aliases = Object.keys(config.models);
  const known = aliases.length > 0 ? `models: ${aliases.join(', ')}` : 'no models are configured';
  const checkAlias = (alias: unknown, path: (string | number)[]) => {
    if (typeof alias === 'string' && !aliases.includes(alias)) {
      ctx.addIssue({ code: 'custom', path, message: `no model with alias "${alias}" (${known})` });
    }
  };
  cameras.forEach((camera, c) => {
    if (Array.isArray(camera?.models)) {
      camera.models.forEach((alias: unknown, m) => {
        checkAlias(alias, ['cameras', c, 'models', m]);
      });
    }
    if (Array.isArray(camera?.verifiers)) {
      camera.verifiers.forEach((alias: unknown, v) => {
        checkAlias(alias, ['cameras', c, 'verifiers', v]);
      });
    }
    records(camera?.scenarios).forEach((scenario, s) => {
      for (const field of classifierFields(scenario?.type)) {
        checkAlias(scenario?.[field], ['cameras', c, 'scenarios', s, field]);
      }
      const plates = scenario?.plates;
      if (isRecord(plates)) {
        for (const field of ['detector', 'recognizer']) {
          checkAlias(plates[field], ['cameras', c, 'scenarios', s, 'plates', field]);
        }
      }
    });
  });
}
