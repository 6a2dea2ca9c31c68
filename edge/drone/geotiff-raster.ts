import { fromFile, type GeoTIFF, type GeoTIFFImage } from 'geotiff';
import type { Georeference } from '../../foundation/geometry/georeference.ts';
import { EdgeError } from '../errors.ts';
import { georeferenceFromGeoTiff } from './geotiff-georeference.ts';
import type { RgbImage } from './raster.ts';
import { clampWindow, type PixelWindow, type RasterSource } from './raster-source.ts';

/** What the geotiff package decodes in Node, by TIFF compression code. */
const COMPRESSIONS: Record<number, string> = {
  1: 'none',
  5: 'LZW',
  7: 'JPEG',
  8: 'Deflate',
  32946: 'Deflate',
  32773: 'PackBits',
  34887: 'LERC',
  50000: 'Zstandard',
};
const PHOTOMETRIC: Record<number, string> = {
  0: 'grey',
  1: 'grey',
  2: 'RGB',
  3: 'palette',
  5: 'CMYK',
  6: 'YCbCr',
};

export interface GeoTiffOrthophoto {
  raster: RasterSource;
  /** Undefined when the file has no GeoTIFF tags at all (a world file may still place it). */
  geo?: Georeference;
  /** TIFF DateTime (tag 306), ms since the epoch, when present. */
  takenAtMs?: number;
}

function tiffDateTime(value: unknown): number | undefined {
  const m = typeof value === 'string' ? /^(\d{4}):(\d\d):(\d\d) (\d\d):(\d\d):(\d\d)/.exec(value) : null;
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

function checkLayout(image: GeoTIFFImage, label: string): void {
  const fd = image.getFileDirectory();
  const samples = image.getSamplesPerPixel();
  const photometric = Number(fd.getValue('PhotometricInterpretation') ?? 2);
  const compression = Number(fd.getValue('Compression') ?? 1);
  const bits = Array.from({ length: samples }, (_, i) => image.getBitsPerSample(i));
  const format = fd.getValue('SampleFormat') as ArrayLike<number> | number | undefined;
  const formats = typeof format === 'number' ? [format] : Array.from(format ?? [1]);
  const unsigned = formats.every((f) => f === 1);
  const unsupported = (what: string) => {
    throw new EdgeError('FLIGHT_GEOTIFF_UNSUPPORTED', `${label}: ${what}; need 8-bit RGB or RGBA`);
  };
  if (photometric !== 2 && photometric !== 6)
    unsupported(`photometric interpretation ${PHOTOMETRIC[photometric] ?? photometric}`);
  if (samples !== 3 && samples !== 4) unsupported(`${samples} samples a pixel`);
  if (bits.some((b) => b !== 8) || !unsigned)
    unsupported(`${bits.join('/')}-bit ${unsigned ? 'unsigned' : 'signed or floating-point'} samples`);
  if (!COMPRESSIONS[compression])
    throw new EdgeError(
      'FLIGHT_GEOTIFF_UNSUPPORTED',
      `${label}: compression ${compression} is not supported (supported: ${Object.entries(COMPRESSIONS)
        .map(([code, name]) => `${name} ${code}`)
        .join(', ')})`,
    );
}

/** The block (tile or strip) grid of the image, to name the one that fails. */
function blocksIn(image: GeoTIFFImage, [x0, y0, x1, y1]: PixelWindow): PixelWindow[] {
  const bw = image.getTileWidth();
  const bh = image.getTileHeight();
  const blocks: PixelWindow[] = [];
  for (let by = Math.floor(y0 / bh) * bh; by < y1; by += bh)
    for (let bx = Math.floor(x0 / bw) * bw; bx < x1; bx += bw)
      blocks.push([bx, by, Math.min(bx + bw, image.getWidth()), Math.min(by + bh, image.getHeight())]);
  return blocks;
}

async function readRgb(image: GeoTIFFImage, window: PixelWindow): Promise<RgbImage> {
  const raster = await image.readRGB({ window: [...window], interleave: true, enableAlpha: false });
  return {
    data: new Uint8Array(raster.buffer, raster.byteOffset, raster.byteLength),
    width: raster.width,
    height: raster.height,
  };
}

/** Reads the window; on failure finds the first block that cannot be decoded and names it. */
async function readNamingBlock(image: GeoTIFFImage, window: PixelWindow, label: string): Promise<RgbImage> {
  try {
    return await readRgb(image, window);
  } catch (error) {
    const kind = image.isTiled ? 'tile' : 'strip';
    for (const block of blocksIn(image, window)) {
      try {
        await readRgb(image, block);
      } catch (blockError) {
        const index = image.isTiled
          ? `(column ${block[0] / image.getTileWidth()}, row ${block[1] / image.getTileHeight()})`
          : `${block[1] / image.getTileHeight()}`;
        throw new EdgeError(
          'FLIGHT_GEOTIFF_CORRUPT',
          `${label}: ${kind} ${index}, pixels ${block[0]},${block[1]}–${block[2]},${block[3]}, cannot be decoded: ${(blockError as Error).message}`,
          { cause: blockError },
        );
      }
    }
    throw new EdgeError(
      'FLIGHT_GEOTIFF_CORRUPT',
      `${label}: pixels ${window.join(',')} cannot be read: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Most bytes of decoded tiles kept, so that windows and bands sharing a tile decode it once. */
const TILE_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Reads windows of a tiled image tile by tile through a least-recently-used cache of decoded
 * tiles: consecutive bands of a downsampled read cut through the same row of tiles.
 */
function tiledReader(image: GeoTIFFImage, label: string): (window: PixelWindow) => Promise<RgbImage> {
  const tw = image.getTileWidth();
  const th = image.getTileHeight();
  const width = image.getWidth();
  const height = image.getHeight();
  const cache = new Map<number, RgbImage>();
  let cached = 0;
  const tile = async (col: number, row: number): Promise<RgbImage> => {
    const key = row * Math.ceil(width / tw) + col;
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const block: PixelWindow = [
      col * tw,
      row * th,
      Math.min(width, (col + 1) * tw),
      Math.min(height, (row + 1) * th),
    ];
    let pixels: RgbImage;
    try {
      pixels = await readRgb(image, block);
    } catch (error) {
      throw new EdgeError(
        'FLIGHT_GEOTIFF_CORRUPT',
        `${label}: tile (column ${col}, row ${row}), pixels ${block[0]},${block[1]}–${block[2]},${block[3]}, cannot be decoded: ${(error as Error).message}`,
        { cause: error },
      );
    }
    cache.set(key, pixels);
    cached += pixels.data.length;
    for (const [k, v] of cache) {
      if (cached <= TILE_CACHE_BYTES) break;
      cache.delete(k);
      cached -= v.data.length;
    }
    return pixels;
  };
  return async ([x0, y0, x1, y1]) => {
    const w = x1 - x0;
    const out = new Uint8Array(w * (y1 - y0) * 3);
    for (let row = Math.floor(y0 / th); row * th < y1; row++) {
      for (let col = Math.floor(x0 / tw); col * tw < x1; col++) {
        const t = await tile(col, row);
        const left = Math.max(x0, col * tw);
        const right = Math.min(x1, col * tw + t.width);
        for (let y = Math.max(y0, row * th); y < Math.min(y1, row * th + t.height); y++) {
          const from = ((y - row * th) * t.width + (left - col * tw)) * 3;
          out.set(t.data.subarray(from, from + (right - left) * 3), ((y - y0) * w + (left - x0)) * 3);
        }
      }
    }
    return { data: out, width: w, height: y1 - y0 };
  };
}

/**
 * Opens a (Geo)TIFF orthophoto: checks that its pixels are 8-bit RGB/RGBA in a compression the
 * geotiff package decodes, reads its georeference, and answers a raster source that reads
 * windows from the file (only the tiles or strips a window touches are read and decoded; a
 * single-strip file is decoded whole on every read, so large orthomosaics must be tiled).
 */
export async function openGeoTiff(file: string): Promise<GeoTiffOrthophoto> {
  let tiff: GeoTIFF;
  let image: GeoTIFFImage;
  try {
    tiff = await fromFile(file);
    image = await tiff.getImage(0);
  } catch (error) {
    throw new EdgeError(
      'FLIGHT_IMAGE_UNREADABLE',
      `${file}: not a readable TIFF: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  try {
    checkLayout(image, file);
    const fd = image.getFileDirectory();
    const geo = georeferenceFromGeoTiff(
      {
        geoKeys: image.getGeoKeys(),
        pixelScale: (await fd.loadValue('ModelPixelScale')) as number[] | undefined,
        tiepoints: (await fd.loadValue('ModelTiepoint')) as number[] | undefined,
        transformation: (await fd.loadValue('ModelTransformation')) as number[] | undefined,
      },
      file,
    );
    const width = image.getWidth();
    const height = image.getHeight();
    if (geo) checkOnEarth(geo, width, height, file);
    const takenAtMs = tiffDateTime(await fd.loadValue('DateTime'));
    const read = image.isTiled
      ? tiledReader(image, file)
      : (window: PixelWindow) => readNamingBlock(image, window, file);
    const raster: RasterSource = {
      width,
      height,
      readFull: (window) => read(clampWindow({ width, height }, window)),
      close: async () => {
        await tiff.close();
      },
    };
    return { raster, ...(geo ? { geo } : {}), ...(takenAtMs !== undefined ? { takenAtMs } : {}) };
  } catch (error) {
    await tiff.close();
    throw error;
  }
}

/** A grid whose corners fall off the Earth was written in other units than its keys say. */
function checkOnEarth(geo: Georeference, width: number, height: number, label: string): void {
  for (const [x, y] of [
    [0, 0],
    [width, height],
  ] as const) {
    const [lon, lat] = geo.toLonLat(x, y);
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 90 || Math.abs(lon) > 360) {
      throw new EdgeError(
        'FLIGHT_GEOREFERENCE_MISSING',
        `${label}: pixel ${x},${y} maps to ${lon}, ${lat} in ${geo.crs}: the tiepoint and scale do not fit the coordinate system`,
      );
    }
  }
}
