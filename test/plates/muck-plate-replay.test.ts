import { describe, expect, it } from 'vitest';
import { EventSchema } from '../../foundation/contract/events.ts';
import { loadPlateTruth } from '../eval/plate-ground-truth.ts';
import { readGoldenFile, replayGolden } from '../golden/golden-events.ts';

/**
 * The muck-truck scenario end to end on the zoomed fixture with a rendered plate: detector, tracker,
 * cover classifier, plate OCR and vote, event builder, contract.
 */
describe('a muck-truck replay with plate reading', () => {
  it('raises the incident with the truck’s plate, voted over frames, in every event', async () => {
    const golden = readGoldenFile('fixtures/expected/vtest-muck-plates.json');
    const { video } = await loadPlateTruth();
    const { raw } = await replayGolden(golden);
    expect(raw.length).toBeGreaterThanOrEqual(2);
    expect(raw[0]?.phase).toBe('start');
    expect(raw.at(-1)?.phase).toBe('end');
    for (const event of raw) {
      EventSchema.parse(event);
      expect(event.type).toBe('muck_truck_uncovered');
      for (const object of event.objects) {
        expect(object.plate).toMatchObject({ text: video.text, color: video.color });
        expect(object.plate?.frames).toBeGreaterThanOrEqual(2);
      }
    }
  }, 120_000);
});
