import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeArrayBuffer } from 'geotiff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFlightImage } from '../../edge/drone/flight-image.ts';
import { openGeoTiff } from '../../edge/drone/geotiff-raster.ts';
import { type GeoKeyValue, writeTiledGeoTiff } from '../../fixtures/tools/geotiff-writer.ts';
import {
  coordinateSystemFromEpsg,
  fromLonLat,
  toLonLat,
} from '../../foundation/geometry/coordinate-systems.ts';
import { distanceMeters } from '../../foundation/geometry/lon-lat.ts';

/**
 * Published conversions: each point's easting/northing as PROJ 9.1.1's cs2cs gives it
 * (`echo "lat lon" | cs2cs -d 4 EPSG:4490 EPSG:<code>`, EPSG:4326 for the WGS 84 codes).
 */
const REFERENCE = [
  { code: 32649, lon: 113.2644, lat: 23.1291, e: 731879.9178, n: 2559611.7162 },
  { code: 32649, lon: 110.1, lat: 20.0, e: 405852.3091, n: 2211734.2236 },
  { code: 32601, lon: -177.5, lat: 51.9, e: 465598.3996, n: 5750034.1474 },
  { code: 32760, lon: 177.5, lat: -38.0, e: 543898.8003, n: 5794067.0517 },
  { code: 4491, lon: 75.5, lat: 39.5, e: 13543006.815, n: 4374133.4769 },
  { code: 4499, lon: 122.5, lat: 30.0, e: 21451756.5514, n: 3320218.6504 },
  { code: 4501, lon: 134.5, lat: 47.0, e: 23461972.0338, n: 5207368.3626 },
  { code: 4502, lon: 75.5, lat: 39.5, e: 543006.815, n: 4374133.4769 },
  { code: 4508, lon: 113.2644, lat: 23.1291, e: 731972.7068, n: 2560635.9705 },
  { code: 4512, lon: 134.5, lat: 47.0, e: 461972.0338, n: 5207368.3626 },
  { code: 4513, lon: 74.8, lat: 39.0, e: 25482674.7118, n: 4318523.0143 },
  { code: 4526, lon: 113.2644, lat: 23.1291, e: 38424654.893, n: 2559024.7393 },
  { code: 4533, lon: 134.2, lat: 47.5, e: 45439725.3141, n: 5263145.1205 },
  { code: 4534, lon: 74.8, lat: 39.0, e: 482674.7118, n: 4318523.0143 },
  { code: 4547, lon: 113.9, lat: 22.5, e: 489710.3713, n: 2489170.7474 },
  { code: 4554, lon: 134.2, lat: 47.5, e: 439725.3141, n: 5263145.1205 },
];

describe('transverse Mercator (UTM, CGCS2000 Gauss-Krüger) against PROJ', () => {
  it.each(REFERENCE)('EPSG:$code at $lon, $lat', ({ code, lon, lat, e, n }) => {
    const crs = coordinateSystemFromEpsg(code);
    if (!crs) throw new Error(`EPSG:${code} unsupported`);
    const [x, y] = fromLonLat(crs, lon, lat);
    expect(Math.abs(x - e)).toBeLessThan(0.001);
    expect(Math.abs(y - n)).toBeLessThan(0.001);
    expect(distanceMeters(toLonLat(crs, e, n), [lon, lat])).toBeLessThan(0.001);
  });
});

const SIZE = 64;
const pattern = (x0: number, y0: number, size: number) => {
  const out = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    out[i * 3] = (x0 + (i % size)) & 0xff;
    out[i * 3 + 1] = (y0 + Math.floor(i / size)) & 0xff;
    out[i * 3 + 2] = 77;
  }
  return out;
};

describe('GeoTIFF orthophotos: georeference, layout and refusals', () => {
  let dir: string;
  let n = 0;
  const write = async (
    placement: {
      geoKeys?: Record<number, GeoKeyValue>;
      pixelScale?: [number, number];
      tiepoint?: [number, number, number, number];
      transformation?: number[];
    },
    compression: 'none' | 'deflate' = 'deflate',
  ) => {
    const file = path.join(dir, `t${n++}.tif`);
    await writeTiledGeoTiff(
      file,
      { width: SIZE, height: SIZE, tileSize: 32, compression, ...placement },
      pattern,
    );
    return file;
  };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'geotiff-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(REFERENCE)(
    'places a pixel at the published position in EPSG:$code',
    async ({ code, lon, lat, e, n: north }) => {
      // Pixel (10, 20)'s corner lies at the reference point: 0.5 m pixels.
      const file = await write({
        geoKeys: { 1024: 1, 1025: 1, 3072: code, 3076: 9001 },
        pixelScale: [0.5, 0.5],
        tiepoint: [10, 20, e, north],
      });
      const { geo, raster } = await openGeoTiff(file);
      await raster.close();
      expect(geo?.crs).toContain(`EPSG:${code}`);
      expect(distanceMeters(geo?.toLonLat(10, 20) ?? [0, 0], [lon, lat])).toBeLessThan(0.02);
      const [x, y] = geo?.toPixel(lon, lat) ?? [0, 0];
      expect(Math.hypot(x - 10, y - 20)).toBeLessThan(0.04);
      // Ground size: grid size over the projection's scale, k0·(1 + x²/2R²) at x from the central meridian.
      const k0 = code > 32000 ? 0.9996 : 1;
      const fromMeridian = ((e % 1e6) - 5e5) / k0;
      expect(geo?.metresPerPixel(SIZE, SIZE)).toBeCloseTo(
        0.5 / (k0 * (1 + fromMeridian ** 2 / (2 * 6_371_000 ** 2))),
        4,
      );
    },
  );

  it('reads geographic WGS 84 and CGCS2000, by tiepoint or by a rotated ModelTransformation', async () => {
    for (const code of [4326, 4490]) {
      const file = await write({
        geoKeys: { 1024: 2, 1025: 1, 2048: code },
        pixelScale: [1e-5, 1e-5],
        tiepoint: [0, 0, 113.24, 23.13],
      });
      const { geo, raster } = await openGeoTiff(file);
      await raster.close();
      expect(geo?.toLonLat(100, 50)).toEqual([expect.closeTo(113.241, 9), expect.closeTo(23.1295, 9)]);
    }
    const t = (2 * Math.PI) / 180;
    const [a, b, d, e2] = [1e-5 * Math.cos(t), 1e-5 * Math.sin(t), 1e-5 * Math.sin(t), -1e-5 * Math.cos(t)];
    const file = await write({
      geoKeys: { 1024: 2, 1025: 1, 2048: 4490 },
      transformation: [a, b, 0, 113.24, d, e2, 0, 23.13, 0, 0, 0, 0, 0, 0, 0, 1],
    });
    const { geo, raster } = await openGeoTiff(file);
    await raster.close();
    const [lon, lat] = geo?.toLonLat(30, 40) ?? [0, 0];
    expect(lon).toBeCloseTo(113.24 + a * 30 + b * 40, 10);
    expect(lat).toBeCloseTo(23.13 + d * 30 + e2 * 40, 10);
  });

  it('reads CGCS2000 UTM and a local transverse Mercator given by their parameters, and PixelIsPoint', async () => {
    // cs2cs +proj=utm +zone=49 +ellps=GRS80 and +proj=tmerc +lon_0=113.283333333333 +k=1 +x_0=39500 +y_0=-2000000 +ellps=GRS80
    const utm49 = await write({
      geoKeys: { 1024: 1, 1025: 1, 3072: 32767, 2048: 4490, 3074: 16049, 3076: 9001 },
      pixelScale: [1, 1],
      tiepoint: [0, 0, 731879.9178, 2559611.7161],
    });
    const local = await write({
      geoKeys: {
        1024: 1,
        1025: 2,
        3072: 32767,
        3074: 32767,
        2048: 4490,
        3075: 1,
        3080: [113.283333333333],
        3081: [0],
        3082: [39500],
        3083: [-2000000],
        3092: [1],
      },
      pixelScale: [1, 1],
      tiepoint: [0, 0, 37560.7575, 558834.8726],
    });
    for (const [file, x, y] of [
      [utm49, 0, 0],
      // PixelIsPoint: the tiepoint is the first pixel's centre.
      [local, 0.5, 0.5],
    ] as const) {
      const { geo, raster } = await openGeoTiff(file);
      await raster.close();
      expect(distanceMeters(geo?.toLonLat(x, y) ?? [0, 0], [113.2644, 23.1291])).toBeLessThan(0.02);
    }
  });

  it('refuses unsupported systems by name, with the file named', async () => {
    const cases: [Record<number, GeoKeyValue>, RegExp][] = [
      [
        { 1024: 1, 3072: 2383 },
        /EPSG:2383 \(Xian 1980 \/ Gauss-Kruger\) is not supported: it needs a datum transformation/,
      ],
      [{ 1024: 1, 3072: 2421 }, /EPSG:2421 \(Beijing 1954/],
      [{ 1024: 1, 3072: 3857 }, /EPSG:3857 \(WGS 84 \/ Pseudo-Mercator/],
      [{ 1024: 2, 2048: 4214 }, /EPSG:4214 \(Beijing 1954\)/],
      [{ 1024: 1, 3072: 2154 }, /EPSG:2154 is not supported \(supported: EPSG:4326, 4490/],
      [
        { 1024: 1, 3072: 32767, 2048: 4490, 3074: 32767, 3075: 8 },
        /coordinate transformation 8 is not supported \(only transverse Mercator/,
      ],
      [{ 1024: 1, 3072: 4547, 3076: 9002 }, /linear unit EPSG:9002 is not supported/],
      [{ 1024: 3 }, /model type 3 is not supported/],
    ];
    for (const [geoKeys, message] of cases) {
      const file = await write({ geoKeys, pixelScale: [1, 1], tiepoint: [0, 0, 500000, 2500000] });
      const refused = openGeoTiff(file);
      await expect(refused).rejects.toMatchObject({ code: 'FLIGHT_PROJECTION_UNSUPPORTED' });
      await expect(refused).rejects.toThrow(message);
      await expect(refused).rejects.toThrow(file);
    }
  });

  it('refuses a TIFF with no georeference, or half of one, naming what is missing', async () => {
    const bare = await write({});
    await expect(readFlightImage(bare)).rejects.toMatchObject({ code: 'FLIGHT_GEOREFERENCE_MISSING' });
    await expect(readFlightImage(bare)).rejects.toThrow(`${bare}: no GeoTIFF tags`);
    // A world file beside it places it instead.
    await writeFile(bare.replace(/\.tif$/, '.tfw'), '1e-5\n0\n0\n-1e-5\n113.24\n23.13\n');
    const placed = await readFlightImage(bare);
    await placed.raster.close();
    expect(placed.geo?.toLonLat(0.5, 0.5)).toEqual([113.24, 23.13]);
    const noTiepoint = await write({ geoKeys: { 1024: 1, 3072: 4547 }, pixelScale: [1, 1] });
    await expect(openGeoTiff(noTiepoint)).rejects.toThrow(/no ModelTiepoint and no ModelTransformation/);
    const noKeys = await write({ pixelScale: [1, 1], tiepoint: [0, 0, 1, 2] });
    await expect(openGeoTiff(noKeys)).rejects.toThrow(/no GeoKeyDirectory: the coordinate system is unknown/);
  });

  it('reads tiles and strips to the same pixels, and names the corrupt tile', async () => {
    const keys = {
      geoKeys: { 1024: 1, 3072: 4547 },
      pixelScale: [1, 1] as [number, number],
      tiepoint: [0, 0, 4e5, 2.5e6] as [number, number, number, number],
    };
    const tiled = await write(keys, 'none');
    const strips = path.join(dir, 'strips.tif');
    const values = pattern(0, 0, SIZE);
    await writeFile(
      strips,
      Buffer.from(
        writeArrayBuffer(values, {
          width: SIZE,
          height: SIZE,
          SamplesPerPixel: 3,
          BitsPerSample: [8, 8, 8],
          PhotometricInterpretation: 2,
          ModelPixelScale: [1, 1, 0],
          ModelTiepoint: [0, 0, 0, 4e5, 2.5e6, 0],
          GTModelTypeGeoKey: 1,
          ProjectedCSTypeGeoKey: 4547,
        }),
      ),
    );
    const window = [20, 10, 50, 40] as const;
    const fromTiles = await openGeoTiff(tiled);
    const fromStrips = await openGeoTiff(strips);
    const a = await fromTiles.raster.readFull(window);
    const b = await fromStrips.raster.readFull(window);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect([a.data[0], a.data[1], a.data[2]]).toEqual([20, 10, 77]);
    await fromTiles.raster.close();
    await fromStrips.raster.close();

    // Garble the compressed bytes of tile (column 1, row 1): the file still opens; reading it is refused.
    const corrupt = await write(keys, 'deflate');
    const { raster } = await openGeoTiff(corrupt);
    const header = await open(corrupt, 'r+');
    const { buffer } = await header.read(Buffer.alloc(4), 0, 4, 4);
    const ifd = buffer.readUInt32LE(0);
    const entries = (await header.read(Buffer.alloc(2), 0, 2, ifd)).buffer.readUInt16LE(0);
    const table = (await header.read(Buffer.alloc(entries * 12), 0, entries * 12, ifd + 2)).buffer;
    const offsetsAt =
      Array.from({ length: entries }, (_, k) => k * 12).find((p) => table.readUInt16LE(p) === 324) ?? 0;
    const offsets = (await header.read(Buffer.alloc(16), 0, 16, table.readUInt32LE(offsetsAt + 8))).buffer;
    await header.write(Buffer.alloc(40, 0xff), 0, 40, offsets.readUInt32LE(12));
    await header.close();
    await expect(raster.readFull([0, 0, 30, 30])).resolves.toMatchObject({ width: 30 });
    const read = raster.readFull([0, 0, SIZE, SIZE]);
    await expect(read).rejects.toMatchObject({ code: 'FLIGHT_GEOTIFF_CORRUPT' });
    await expect(read).rejects.toThrow(
      `${corrupt}: tile (column 1, row 1), pixels 32,32–64,64, cannot be decoded`,
    );
    await raster.close();
  });

  it('refuses pixels that are not 8-bit RGB', async () => {
    const file = path.join(dir, 'grey16.tif');
    await writeFile(
      file,
      Buffer.from(
        writeArrayBuffer(new Uint16Array(SIZE * SIZE), {
          width: SIZE,
          height: SIZE,
          BitsPerSample: [16],
          SamplesPerPixel: 1,
          PhotometricInterpretation: 1,
          ModelPixelScale: [1, 1, 0],
          ModelTiepoint: [0, 0, 0, 4e5, 2.5e6, 0],
          GTModelTypeGeoKey: 1,
          ProjectedCSTypeGeoKey: 4547,
        }),
      ),
    );
    await expect(openGeoTiff(file)).rejects.toMatchObject({ code: 'FLIGHT_GEOTIFF_UNSUPPORTED' });
    await expect(openGeoTiff(file)).rejects.toThrow(
      `${file}: photometric interpretation grey; need 8-bit RGB or RGBA`,
    );
  });
});
