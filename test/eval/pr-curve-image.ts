import sharp from 'sharp';

export interface PrCurve {
  label: string;
  recall: number[];
  precision: number[];
  ap50: number;
}

const WIDTH = 800;
const HEIGHT = 600;
const PLOT = { left: 70, top: 50, width: 480, height: 480 };
const COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
const FONT = 'font-family="DejaVu Sans, sans-serif"';

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

const px = (recall: number): number => PLOT.left + clamp01(recall) * PLOT.width;
const py = (precision: number): number => PLOT.top + (1 - clamp01(precision)) * PLOT.height;

function axes(): string[] {
  const parts: string[] = [];
  const bottom = PLOT.top + PLOT.height;
  const right = PLOT.left + PLOT.width;
  for (let i = 0; i <= 10; i++) {
    const v = i / 10;
    const x = px(v);
    const y = py(v);
    parts.push(
      `<line x1="${x}" y1="${PLOT.top}" x2="${x}" y2="${bottom}" stroke="#e0e0e0"/>`,
      `<line x1="${PLOT.left}" y1="${y}" x2="${right}" y2="${y}" stroke="#e0e0e0"/>`,
      `<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 5}" stroke="#000"/>`,
      `<line x1="${PLOT.left - 5}" y1="${y}" x2="${PLOT.left}" y2="${y}" stroke="#000"/>`,
      `<text x="${x}" y="${bottom + 20}" font-size="12" text-anchor="middle" ${FONT}>${v.toFixed(1)}</text>`,
      `<text x="${PLOT.left - 9}" y="${y + 4}" font-size="12" text-anchor="end" ${FONT}>${v.toFixed(1)}</text>`,
    );
  }
  parts.push(
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.width}" height="${PLOT.height}" fill="none" stroke="#000"/>`,
    `<text x="${PLOT.left + PLOT.width / 2}" y="${bottom + 45}" font-size="15" text-anchor="middle" ${FONT}>recall</text>`,
    `<text x="20" y="${PLOT.top + PLOT.height / 2}" font-size="15" text-anchor="middle" ${FONT} transform="rotate(-90 20 ${PLOT.top + PLOT.height / 2})">precision</text>`,
  );
  return parts;
}

function buildSvg(curves: PrCurve[], title: string): string {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="30" font-size="18" font-weight="bold" text-anchor="middle" ${FONT}>${escapeXml(title)}</text>`,
    ...axes(),
  ];
  const legendX = PLOT.left + PLOT.width + 25;
  curves.forEach((curve, i) => {
    const color = COLORS[i % COLORS.length];
    const points = curve.recall
      .map((r, j) => [r, curve.precision[j] ?? Number.NaN] as const)
      .filter(([r, p]) => Number.isFinite(r) && Number.isFinite(p))
      .map(([r, p]) => `${px(r).toFixed(1)},${py(p).toFixed(1)}`);
    if (points.length > 0) {
      parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    const y = PLOT.top + 10 + i * 22;
    const ap = Number.isFinite(curve.ap50) ? curve.ap50.toFixed(3) : 'n/a';
    parts.push(
      `<line x1="${legendX}" y1="${y}" x2="${legendX + 24}" y2="${y}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${legendX + 30}" y="${y + 4}" font-size="13" ${FONT}>${escapeXml(`${curve.label} (AP50 ${ap})`)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export async function writePrCurvePng(path: string, curves: PrCurve[], title: string): Promise<void> {
  await sharp(Buffer.from(buildSvg(curves, title)))
    .png()
    .toFile(path);
}
