import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IncidentJournal } from '../../edge/runtime/incident-journal.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { DeviceIncidentJournal } from '../../iot/consumer/incident-journal.ts';
import { RuleEngine } from '../../iot/rules/rule-engine.ts';
import { rules, T0 } from '../iot/helpers.ts';
import { useTempDir } from '../support/temp-dir.ts';

const FILE = 'open-incidents.json';

function cameraEvent(sequence: number, phase: EdgeEvent['phase']): EdgeEvent {
  return {
    schemaVersion: 1,
    eventId: `hub:cam:bay:1000:${sequence}`,
    incidentId: 'hub:cam:bay:1000',
    sequence,
    type: 'parking',
    phase,
    edgeId: 'hub',
    cameraId: 'cam',
    scenario: 'bay',
    startedAt: new Date(T0).toISOString(),
    observedAt: new Date(T0 + sequence * 10_000).toISOString(),
    ...(phase === 'end' ? { endedAt: new Date(T0 + sequence * 10_000).toISOString() } : {}),
    confidence: 0.8,
    objectCount: 0,
    objects: [],
    model: { name: 'm', version: '1', sha256: 'a'.repeat(64) },
    frame: { width: 416, height: 416 },
    evidence: {},
  };
}

describe('the edge incident journal on disk', () => {
  const dir = useTempDir('edge-journal-');

  it('keeps an incident from its start until its end is delivered, across reopenings', async () => {
    const folder = path.join(dir(), 'a');
    const journal = await IncidentJournal.open(folder);
    expect(journal.found).toEqual([]);
    await journal.opened(cameraEvent(0, 'start'));
    journal.seen('hub:cam:bay:1000', T0 + 7000);
    await journal.flush();
    const again = await IncidentJournal.open(folder);
    expect(again.found).toEqual([{ event: cameraEvent(0, 'start'), lastSeenMs: T0 + 7000 }]);
    await again.opened(cameraEvent(1, 'end'));
    expect((await IncidentJournal.open(folder)).found.map((i) => i.event.phase)).toEqual(['end']);
    await again.closed('hub:cam:bay:1000');
    expect((await IncidentJournal.open(folder)).found).toEqual([]);
    // Written by rename: no temporary file is left behind.
    expect(readdirSync(folder)).toEqual([FILE]);
  });

  it('moves an unreadable file aside, says so, and skips entries it cannot read', async () => {
    const folder = path.join(dir(), 'b');
    await IncidentJournal.open(folder);
    writeFileSync(path.join(folder, FILE), '{"version":1,"incidents":[');
    const problems: string[] = [];
    const journal = await IncidentJournal.open(folder, { onError: (m) => problems.push(m) });
    expect(journal.found).toEqual([]);
    expect(problems).toEqual([expect.stringMatching(/unreadable; moved to .*unreadable-\d+/)]);
    expect(existsSync(path.join(folder, FILE))).toBe(false);

    const good = { event: cameraEvent(0, 'start'), lastSeenMs: T0 };
    writeFileSync(path.join(folder, FILE), JSON.stringify({ version: 1, incidents: [{ event: {} }, good] }));
    const partly = await IncidentJournal.open(folder, { onError: (m) => problems.push(m) });
    expect(partly.found).toEqual([good]);
    expect(problems.at(-1)).toMatch(/skipped an unreadable entry/);
  });
});

describe('the rules node incident journal on disk', () => {
  const dir = useTempDir('iot-journal-');
  const config = rules({
    rules: [
      { name: 'dust', kind: 'threshold', event: 'dust_exceedance', sensor: 'pm10', high: 150, low: 120 },
    ],
  });

  it('round-trips what the engine has open, a device of unknown place included', () => {
    const engine = new RuleEngine(config, () => {});
    engine.ingest({
      type: 'sensor',
      schemaVersion: 1,
      deviceId: 'dust-1',
      kind: 'pm10',
      value: 200,
      unit: 'µg/m³',
      time: new Date(T0).toISOString(),
    });
    const [open] = engine.openIncidents();
    expect(open?.source.lat).toBeNaN();
    const folder = path.join(dir(), 'a');
    const journal = DeviceIncidentJournal.open(folder);
    journal.put(open as NonNullable<typeof open>);
    const found = DeviceIncidentJournal.open(folder).found;
    expect(found).toEqual([open]);
    journal.remove(open?.incidentId as string);
    expect(DeviceIncidentJournal.open(folder).found).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(folder, FILE), 'utf8'))).toEqual({ version: 1, incidents: [] });
  });
});
