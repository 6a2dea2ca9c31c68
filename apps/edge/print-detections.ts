import type { Detection } from '../../edge/detect/types.ts';

const round = (v: number, digits: number) => Number(v.toFixed(digits));

export function toJsonDetection(d: Detection) {
  return { label: d.label, score: round(d.score, 4), box: d.box.map((v) => round(v, 1)) };
}

export function printHuman(image: string, detections: readonly Detection[]): void {
  console.log(`${image}: ${detections.length} detection${detections.length === 1 ? '' : 's'}`);
  for (const d of detections) {
    const box = d.box.map((v) => v.toFixed(0).padStart(4)).join(' ');
    console.log(`  ${d.label.padEnd(14)} ${d.score.toFixed(2)}  [${box}]`);
  }
}
