import { describe, expect, it } from 'vitest';
import { camera, problems, ZONE } from './edge-config-helpers.ts';

describe('edge config: scenarios', () => {
  it('refuses an unknown scenario type and lists the known ones', () => {
    const config = {
      edgeId: 'e',
      cameras: [camera('a', { zones: [ZONE], scenarios: [{ type: 'jaywalking', zone: 'road' }] })],
    };
    expect(problems(config)).toEqual([
      'edge.yaml: cameras[0].scenarios[0].type: unknown scenario type "jaywalking"; ' +
        'expected one of street_vending, muck_truck, loitering, parking, line_crossing, gathering, occupation',
    ]);
  });

  it('refuses a scenario naming a zone the camera does not have', () => {
    const scenarios = [{ type: 'loitering', zone: 'lawn', labels: ['person'], minDwellSeconds: 30 }];
    const config = { edgeId: 'e', cameras: [camera('a'), camera('b', { zones: [ZONE], scenarios })] };
    expect(problems(config)).toEqual([
      'edge.yaml: cameras[1].scenarios[0].zone: no zone named "lawn" on camera "b" (zones: road)',
    ]);
  });

  it('refuses a zone of another camera', () => {
    const scenarios = [{ type: 'parking', zone: 'road', maxSeconds: 60 }];
    const config = { edgeId: 'e', cameras: [camera('a', { zones: [ZONE] }), camera('b', { scenarios })] };
    expect(problems(config)).toEqual([
      'edge.yaml: cameras[1].scenarios[0].zone: no zone named "road" on camera "b" (it has no zones)',
    ]);
  });
  it('refuses a muck_truck classifier that is not a configured model', () => {
    const scenarios = [{ type: 'muck_truck', zone: 'road', classifier: 'covers' }];
    expect(problems({ edgeId: 'e', cameras: [camera('a', { zones: [ZONE], scenarios })] })).toEqual([
      'edge.yaml: cameras[0].scenarios[0].classifier: no model with alias "covers" (models: detector)',
    ]);
  });

  it('refuses two scenarios that would raise events under one name', () => {
    const config = {
      edgeId: 'e',
      cameras: [
        camera('c', {
          zones: [{ ...ZONE, name: 'z' }],
          scenarios: [
            { type: 'loitering', zone: 'z', labels: ['person'], minDwellSeconds: 10 },
            { type: 'loitering', zone: 'z', labels: ['dog'], minDwellSeconds: 30 },
          ],
        }),
      ],
    };
    expect(problems(config)).toEqual([
      'edge.yaml: cameras[0].scenarios[1].name: duplicate scenario name "loitering_z" (also scenarios[0])',
    ]);
  });

  it('refuses the old street_vending fields, saying what replaces each', () => {
    const scenarios = [{ type: 'street_vending', zone: 'road', minStallObjects: 0, minObjects: 2 }];
    expect(problems({ edgeId: 'e', cameras: [camera('a', { zones: [ZONE], scenarios })] })).toEqual([
      'edge.yaml: cameras[0].scenarios[0].minStallObjects: no longer a field: street_vending now needs an ' +
        'occupied patch of street beside the people; for people standing together use the scenario type gathering',
      'edge.yaml: cameras[0].scenarios[0].minObjects: no longer a field: street_vending now needs an ' +
        'occupied patch of street beside the people; use minPeople, the people needed beside the occupied region',
    ]);
  });

  it('refuses street_vending and gathering settings out of range, naming the field', () => {
    const scenarios = [
      { type: 'street_vending', zone: 'road', nearDistance: 2, minPeople: 0 },
      { type: 'gathering', zone: 'road', minObjects: 1 },
    ];
    const found = problems({ edgeId: 'e', cameras: [camera('a', { zones: [ZONE], scenarios })] });
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/^edge\.yaml: cameras\[0\]\.scenarios\[0\]\.nearDistance: .*1/);
    expect(found[1]).toMatch(/^edge\.yaml: cameras\[0\]\.scenarios\[0\]\.minPeople: .*1/);
    expect(found[2]).toMatch(/^edge\.yaml: cameras\[0\]\.scenarios\[1\]\.minObjects: .*2/);
  });
});
