import sharp from 'sharp';
import type { Detection } from './types.ts';

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45'];

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function detectionsSvg(width: number, height: number, detections: readonly Detection[]): string {
  const shapes = detections.map((d) => {
    const [x1, y1, x2, y2] = d.box;
    const colour = PALETTE[d.classId % PALETTE.length];
    const caption = escapeXml(`${d.label} ${d.score.toFixed(2)}`);
    const labelY = y1 > 16 ? y1 - 4 : Math.min(height - 3, y2 + 13);
    const labelX = Math.max(0, Math.min(x1 + 1, width - caption.length * 7.5));
    return (
      `<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="${colour}" stroke-width="2"/>` +
      `<text x="${labelX}" y="${labelY}" fill="${colour}" stroke="#000" stroke-width="0.6" font-size="13" font-family="DejaVu Sans, sans-serif" font-weight="bold">${caption}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`;
}

/** Draws boxes and labels onto an image and writes it as JPEG or PNG (by the file's extension). */
export async function writeAnnotatedImage(
  source: string | Buffer,
  detections: readonly Detection[],
  outputPath: string,
): Promise<void> {
  const image = sharp(source).autoOrient();
  const meta = await sharp(source).metadata();
  const { width = 0, height = 0 } = meta.autoOrient ?? meta;
  const overlay = Buffer.from(detectionsSvg(width, height, detections));
  await image.composite([{ input: overlay, top: 0, left: 0 }]).toFile(outputPath);
}
