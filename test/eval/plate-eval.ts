import os from 'node:os';
import { DEFAULT_PLATE_READER, plateReader, type ReadPlate } from '../../edge/plates/plate-reader.ts';
import { PlateVote } from '../../edge/plates/plate-vote.ts';
import { TextDetector } from '../../edge/plates/text-detector.ts';
import { TextRecognizer } from '../../edge/plates/text-recognizer.ts';
import { decodeRgb } from '../../foundation/media/decode-rgb.ts';
import { loadPlateTruth, type PlateCase } from './plate-ground-truth.ts';

/**
 * Plate reading on the synthetic plate stills (fixtures/plates/, see its README): per plate height,
 * how many plates the three frames' vote read exactly, left unread, or read wrong, and the same per
 * single frame. Wrong must stay ~0: validation and the vote turn doubt into "unread".
 */

type Outcome = 'correct' | 'unread' | 'wrong';

interface CaseResult {
  item: PlateCase;
  voted: Outcome;
  colorRight: boolean | undefined;
  frames: Outcome[];
}

const outcome = (text: string | undefined, truth: string): Outcome =>
  text === undefined ? 'unread' : text === truth ? 'correct' : 'wrong';

async function readCase(read: ReadPlate, item: PlateCase): Promise<CaseResult> {
  const vote = new PlateVote();
  const frames: Outcome[] = [];
  for (const frame of item.frames) {
    const candidate = await read(await decodeRgb(frame.file), frame.vehicle);
    vote.add(candidate);
    frames.push(outcome(candidate?.text, item.text));
  }
  const result = vote.result();
  return {
    item,
    voted: outcome(result?.text, item.text),
    colorRight:
      result?.text === item.text && result.color !== undefined ? result.color === item.color : undefined,
    frames,
  };
}

const count = (outcomes: readonly Outcome[], which: Outcome) => outcomes.filter((o) => o === which).length;
const pct = (n: number, of: number) => (of === 0 ? '   n/a' : `${((100 * n) / of).toFixed(0).padStart(5)}%`);

function printTable(title: string, groups: Map<string, CaseResult[]>): void {
  console.log(`\n${title}`);
  console.log(
    'plate height  plates  voted: exact  unread  wrong   | frames  single: exact  unread  wrong | colour right/told',
  );
  for (const [key, results] of groups) {
    const voted = results.map((r) => r.voted);
    const frames = results.flatMap((r) => r.frames);
    const told = results.filter((r) => r.colorRight !== undefined);
    console.log(
      `${key.padEnd(12)} ${String(results.length).padStart(7)}  ${pct(count(voted, 'correct'), voted.length).padStart(12)} ${String(count(voted, 'unread')).padStart(7)} ${String(count(voted, 'wrong')).padStart(6)}   | ${String(frames.length).padStart(6)}  ${pct(count(frames, 'correct'), frames.length).padStart(13)} ${String(count(frames, 'unread')).padStart(7)} ${String(count(frames, 'wrong')).padStart(6)} | ${told.filter((r) => r.colorRight).length}/${told.length}`,
    );
  }
}

export async function runPlateEval(): Promise<CaseResult[]> {
  const truth = await loadPlateTruth();
  const threads = Math.min(4, os.availableParallelism());
  const detector = await TextDetector.load('ppocr-det', threads);
  const recognizer = await TextRecognizer.load('ppocr-rec', threads);
  const read = plateReader(detector, recognizer, DEFAULT_PLATE_READER);
  const results: CaseResult[] = [];
  try {
    for (const item of truth.cases) results.push(await readCase(read, item));
  } finally {
    await detector.dispose();
    await recognizer.dispose();
  }
  console.log(
    `plates: ${truth.cases.length} SYNTHETIC plates (rendered Noto Sans CJK on the vtest van), ${truth.cases[0]?.frames.length ?? 0} frames each; vote: 2 agreeing frames, 60 % of valid reads`,
  );
  const byHeight = new Map<string, CaseResult[]>();
  for (const r of results.filter((r) => r.item.readable)) {
    const key = `${r.item.plateHeight} px`;
    byHeight.set(key, [...(byHeight.get(key) ?? []), r]);
  }
  byHeight.set(
    'all',
    results.filter((r) => r.item.readable),
  );
  printTable('readable plates (blur sigma 0..1.2 px, angle -6..4 deg)', byHeight);
  const blurred = new Map<string, CaseResult[]>();
  for (const r of results.filter((r) => !r.item.readable))
    blurred.set(`${r.item.plateHeight} px s${r.item.blur}`, [r]);
  printTable('smeared past reading (blur sigma 0.35 x height): must be unread, never wrong', blurred);
  for (const r of results.filter((r) => r.voted === 'wrong'))
    console.log(`  WRONG: ${r.item.id} truth ${r.item.text}`);
  return results;
}
