import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { SCENARIO_TYPES, ScenarioSchema } from '../../edge/scenarios/registry.ts';
import { ZoneFiltersSchema } from '../../foundation/edge-config/zone-schema.ts';

// The zone editor's forms are a table in the browser (cloud/ui/public/js/zones/scenario-fields.js),
// written from the edge's scenario schemas. They must not drift: every type has a form, every
// field in it is the edge's, required where the edge requires it, and what the form accepts or
// refuses for a field the edge accepts or refuses the same.
interface Field {
  name: string;
  kind: string;
  required?: boolean;
}
interface EditorFields {
  SCENARIO_FIELDS: Record<string, Field[]>;
  FILTER_FIELDS: Field[];
  parseField(field: Field, text: string): { value?: unknown; problem?: string };
}
const load = async () =>
  (await import(
    pathToFileURL(path.resolve('cloud/ui/public/js/zones/scenario-fields.js')).href
  )) as EditorFields;

const SAMPLES = [
  '',
  '-1',
  '0',
  '0.002',
  '0.5',
  '1',
  '1.5',
  '2',
  '3',
  '60',
  'abc',
  'person, car',
  'person,,car',
  'placed',
];

function shapeOf(type: string): Record<string, z.ZodType> {
  const option = ScenarioSchema.options.find((o) => (o.shape.type as z.ZodLiteral).value === type);
  if (!option) throw new Error(`no edge schema for ${type}`);
  return option.shape as Record<string, z.ZodType>;
}

function agree(fields: Field[], shape: Record<string, z.ZodType>, editor: EditorFields, where: string) {
  for (const field of fields) {
    const edge = shape[field.name];
    expect(edge, `${where}.${field.name} is not a field of the edge's schema`).toBeDefined();
    expect(!edge?.safeParse(undefined).success, `${where}.${field.name} required`).toBe(
      field.required === true,
    );
    for (const text of SAMPLES) {
      const parsed = editor.parseField(field, text);
      if (text === '' && !field.required) continue;
      const label = `${where}.${field.name} = ${JSON.stringify(text)}`;
      if (parsed.problem) {
        // Refused by the form: the edge refuses the value as typed (a number where one is meant).
        const raw = Number.isFinite(Number(text)) && text !== '' ? Number(text) : text;
        expect(edge?.safeParse(raw).success, `${label}: the form refuses what the edge takes`).toBe(false);
      } else {
        expect(edge?.safeParse(parsed.value).success, `${label}: the form takes what the edge refuses`).toBe(
          true,
        );
      }
    }
  }
}

describe('zone editor forms, against the edge config schemas', () => {
  it('has a form for every scenario type the edge knows, with fields as the edge checks them', async () => {
    const editor = await load();
    expect(Object.keys(editor.SCENARIO_FIELDS).sort()).toEqual([...SCENARIO_TYPES].sort());
    for (const type of SCENARIO_TYPES) agree(editor.SCENARIO_FIELDS[type] ?? [], shapeOf(type), editor, type);
  });

  it("checks a zone's filters as the zone schema does", async () => {
    const editor = await load();
    const shape = (ZoneFiltersSchema as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
    expect(editor.FILTER_FIELDS.map((f) => f.name).sort()).toEqual(Object.keys(shape).sort());
    agree(editor.FILTER_FIELDS, shape, editor, 'filters');
  });
});
