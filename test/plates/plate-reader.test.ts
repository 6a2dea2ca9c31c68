import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelManifest } from '../../edge/detect/model-manifest.ts';
import { DEFAULT_PLATE_READER, plateReader, type ReadPlate } from '../../edge/plates/plate-reader.ts';
import { PlateVote } from '../../edge/plates/plate-vote.ts';
import { TextDetector } from '../../edge/plates/text-detector.ts';
import { TextRecognizer } from '../../edge/plates/text-recognizer.ts';
import { decodeRgb } from '../../foundation/media/decode-rgb.ts';
import { loadPlateTruth, type PlateCase, type PlateTruth } from '../eval/plate-ground-truth.ts';

/** The real PP-OCR models on the synthetic plate stills of fixtures/plates (see its README). */
describe('plate reading with PP-OCR', () => {
  let detector: TextDetector;
  let recognizer: TextRecognizer;
  let read: ReadPlate;
  let truth: PlateTruth;

  beforeAll(async () => {
    detector = await TextDetector.load('ppocr-det', 2);
    recognizer = await TextRecognizer.load('ppocr-rec', 2);
    read = plateReader(detector, recognizer, DEFAULT_PLATE_READER);
    truth = await loadPlateTruth();
  });
  afterAll(async () => {
    await detector?.dispose();
    await recognizer?.dispose();
  });

  const find = (predicate: (c: PlateCase) => boolean): PlateCase => {
    const found = truth.cases.find(predicate);
    if (!found) throw new Error('no such case in fixtures/ground-truth/plates.json');
    return found;
  };
  const vote = async (item: PlateCase) => {
    const votes = new PlateVote();
    for (const frame of item.frames) votes.add(await read(await decodeRgb(frame.file), frame.vehicle));
    return votes.result();
  };

  it('reads a sharp blue plate 24 px high on the van, with its colour, from the lower part of the truck box', async () => {
    const item = find((c) => c.plateHeight === 24 && c.color === 'blue' && c.blur === 0);
    const [frame] = item.frames;
    const candidate = await read(
      await decodeRgb(frame?.file as string),
      frame?.vehicle as [number, number, number, number],
    );
    expect(candidate).toMatchObject({ text: item.text, color: 'blue' });
    expect(candidate?.confidence).toBeGreaterThan(0.8);
  });

  it('votes a tilted, slightly blurred yellow truck plate and a green new-energy plate to the right text', async () => {
    const yellow = find((c) => c.plateHeight === 32 && c.color === 'yellow');
    expect(await vote(yellow)).toMatchObject({ text: yellow.text, color: 'yellow', frames: 3 });
    const green = find((c) => c.plateHeight === 40 && c.color === 'green' && c.text.length === 8);
    expect(await vote(green)).toMatchObject({ text: green.text, color: 'green' });
  });

  it('leaves a plate smeared past reading unread, never a guess', async () => {
    const smeared = truth.cases.filter((c) => !c.readable);
    expect(smeared.length).toBeGreaterThan(0);
    for (const item of smeared) {
      for (const frame of item.frames)
        expect(await read(await decodeRgb(frame.file), frame.vehicle)).toBeUndefined();
    }
  });

  it('reads nothing on a vehicle box without a plate (the van in the plain frame is British, unreadable)', async () => {
    const frame = truth.cases[0]?.frames[0];
    const image = await decodeRgb(frame?.file as string);
    // the upper half of the still: the van's roof and the wall, no plate
    expect(await read(image, [0, 0, image.width, image.height * 0.45])).toBeUndefined();
  });

  it('refuses an OCR alias that names another kind of model', async () => {
    await expect(TextDetector.load('ppocr-rec')).rejects.toThrow(
      /task is "text-recognize", but plates need a "text-detect"/,
    );
    await expect(loadModelManifest('ppocr-det')).rejects.toThrow(/an OCR model, for plates/);
  });
});
