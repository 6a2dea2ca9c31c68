import sharp from 'sharp';
import type { EdgeEvent, EventObject } from '../../foundation/contract/events.ts';
import type { Polygon } from '../../foundation/geometry/image-plane.ts';
import type { RawImage } from '../../foundation/media/frame.ts';

export interface SnapshotOptions {
  /** Output size; the analysed frame (stretched to the model's input) is resized back to it. */
  width: number;
  height: number;
  /** JPEG quality 1..100. */
  quality: number;
  /** The event's zone, normalised (0..1) like the config, drawn on the annotated image. */
  zone?: Polygon;
}

export interface SnapshotPair {
  clean: Buffer;
  annotated: Buffer;
}

const ZONE_COLOUR = '#ffd400';
const PALETTE = ['#ff3b30', '#34c759', '#0a84ff', '#ff9f0a', '#bf5af2', '#64d2ff', '#ff375f', '#a2d729'];

/** The frame an event was raised on, as JPEG: once clean, once with its objects and zone drawn. */
export async function renderSnapshots(
  frame: RawImage,
  event: EdgeEvent,
  options: SnapshotOptions,
): Promise<SnapshotPair> {
  const base = sharp(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength), {
    raw: { width: frame.width, height: frame.height, channels: 3 },
  }).resize(options.width, options.height, { fit: 'fill' });
  const resized = await base.raw().toBuffer();
  const raw = { raw: { width: options.width, height: options.height, channels: 3 as const } };
  const jpeg = { quality: options.quality, mozjpeg: false };
  const overlay = Buffer.from(overlaySvg(event, options));
  const [clean, annotated] = await Promise.all([
    sharp(resized, raw).jpeg(jpeg).toBuffer(),
    sharp(resized, raw)
      .composite([{ input: overlay, top: 0, left: 0 }])
      .jpeg(jpeg)
      .toBuffer(),
  ]);
  return { clean, annotated };
}

export function overlaySvg(
  event: EdgeEvent,
  options: Pick<SnapshotOptions, 'width' | 'height' | 'zone'>,
): string {
  const { width, height } = options;
  const stroke = Math.max(2, Math.round(width / 320));
  const fontSize = Math.max(12, Math.round(width / 48));
  const parts: string[] = [];
  if (options.zone) {
    const points = options.zone
      .map(([x, y]) => `${(x * width).toFixed(1)},${(y * height).toFixed(1)}`)
      .join(' ');
    parts.push(
      `<polygon points="${points}" fill="${ZONE_COLOUR}" fill-opacity="0.12" stroke="${ZONE_COLOUR}" stroke-width="${stroke}" stroke-dasharray="${stroke * 4},${stroke * 2}"/>`,
    );
  }
  for (const object of event.objects) parts.push(objectSvg(object, width, height, stroke, fontSize));
  const title = escapeXml(`${event.type} · ${event.scenario} · ${event.cameraId} · ${event.observedAt}`);
  parts.push(
    `<rect x="0" y="0" width="${width}" height="${fontSize + 10}" fill="#000" fill-opacity="0.55"/>`,
    `<text x="6" y="${fontSize + 3}" fill="#fff" font-size="${fontSize}" font-family="DejaVu Sans, sans-serif">${title}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

function objectSvg(
  object: EventObject,
  width: number,
  height: number,
  stroke: number,
  fontSize: number,
): string {
  const [x1, y1, x2, y2] = object.box;
  const colour = PALETTE[object.trackId % PALETTE.length];
  const left = x1 * width;
  const top = y1 * height;
  const caption = escapeXml(
    `${object.label} ${object.score.toFixed(2)} #${object.trackId}${attributeText(object)}`,
  );
  const labelTop = top > fontSize + 6 ? top - fontSize - 6 : Math.min(height - fontSize - 6, y2 * height + 2);
  const labelWidth = caption.length * fontSize * 0.62 + 8;
  return (
    `<rect x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${((x2 - x1) * width).toFixed(1)}" height="${((y2 - y1) * height).toFixed(1)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>` +
    `<rect x="${left.toFixed(1)}" y="${labelTop.toFixed(1)}" width="${labelWidth.toFixed(1)}" height="${fontSize + 6}" fill="${colour}"/>` +
    `<text x="${(left + 4).toFixed(1)}" y="${(labelTop + fontSize + 1).toFixed(1)}" fill="#fff" font-size="${fontSize}" font-family="DejaVu Sans, sans-serif" font-weight="bold">${caption}</text>`
  );
}

function attributeText(object: EventObject): string {
  if (!object.attributes) return '';
  const entries = Object.entries(object.attributes);
  return entries.length ? ` ${entries.map(([name, value]) => `${name} ${value.toFixed(2)}`).join(' ')}` : '';
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * How good a frame is as an incident's picture: confident detections that do not hide each other.
 * The mean object score, less the share of the objects' area that other objects' boxes cover.
 */
export function snapshotQuality(objects: readonly EventObject[]): number {
  if (objects.length === 0) return 0;
  let scoreSum = 0;
  let area = 0;
  let covered = 0;
  for (let i = 0; i < objects.length; i++) {
    const a = (objects[i] as EventObject).box;
    scoreSum += (objects[i] as EventObject).score;
    const own = (a[2] - a[0]) * (a[3] - a[1]);
    area += own;
    let overlap = 0;
    for (let j = 0; j < objects.length; j++) {
      if (i === j) continue;
      const b = (objects[j] as EventObject).box;
      const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
      const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
      if (w > 0 && h > 0) overlap += w * h;
    }
    covered += Math.min(own, overlap);
  }
  const occlusion = area > 0 ? covered / area : 0;
  return scoreSum / objects.length - occlusion;
}
