import type { Rng } from '../../../foundation/util/seeded-rng.ts';
import { type Canvas, createCanvas } from './canvas.ts';

/**
 * A lit surface: a height field (in pixels) and an albedo per pixel, shaded by one directional
 * light plus ambient, the way an elevated camera sees a heap or a tarp in daylight.
 */
export interface Surface {
  width: number;
  height: number;
  /** height above the bed, in pixels of this canvas */
  heightMap: Float32Array;
  /** RGB albedo, 0..255 scale */
  albedo: Float32Array;
  /** ambient occlusion / cavity darkening in 0..1, 1 = open */
  occlusion: Float32Array;
}

export function createSurface(width: number, height: number): Surface {
  const n = width * height;
  return {
    width,
    height,
    heightMap: new Float32Array(n),
    albedo: new Float32Array(n * 3),
    occlusion: new Float32Array(n).fill(1),
  };
}

export interface Light {
  /** unit vector towards the light; z is out of the surface */
  x: number;
  y: number;
  z: number;
  ambient: number;
  /** 0 for matte (soil), up to ~0.4 for plastic or paint */
  specular: number;
  shininess: number;
}

/** Daylight from above-ish: the sun or an overcast sky, mostly from the top of the image. */
export function randomLight(rng: Rng): Light {
  const azimuth = rng.range(-Math.PI * 0.9, -Math.PI * 0.1) + (rng.chance(0.2) ? Math.PI : 0);
  const elevation = rng.range(0.35, 1.2);
  const horizontal = Math.cos(elevation);
  return {
    x: horizontal * Math.cos(azimuth),
    y: horizontal * Math.sin(azimuth),
    z: Math.sin(elevation),
    ambient: rng.range(0.25, 0.6),
    specular: 0,
    shininess: 12,
  };
}

/** Renders the surface: albedo x (ambient + diffuse) x occlusion, plus a specular term. */
export function shadeSurface(surface: Surface, light: Light): Canvas {
  const { width, height, heightMap, albedo, occlusion } = surface;
  const out = createCanvas(width, height);
  const at = (x: number, y: number) =>
    heightMap[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))] as number;
  // half-vector for a camera looking straight down at the surface
  const hx = light.x;
  const hy = light.y;
  const hz = light.z + 1;
  const hn = Math.hypot(hx, hy, hz);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gx = (at(x + 1, y) - at(x - 1, y)) / 2;
      const gy = (at(x, y + 1) - at(x, y - 1)) / 2;
      const nn = Math.hypot(gx, gy, 1);
      const nx = -gx / nn;
      const ny = -gy / nn;
      const nz = 1 / nn;
      const diffuse = Math.max(0, nx * light.x + ny * light.y + nz * light.z) / light.z;
      const p = y * width + x;
      const lit = (light.ambient + (1 - light.ambient) * diffuse) * (occlusion[p] as number);
      const spec =
        light.specular > 0
          ? light.specular * 255 * Math.max(0, (nx * hx + ny * hy + nz * hz) / hn) ** light.shininess
          : 0;
      out.data[p * 3] = (albedo[p * 3] as number) * lit + spec;
      out.data[p * 3 + 1] = (albedo[p * 3 + 1] as number) * lit + spec;
      out.data[p * 3 + 2] = (albedo[p * 3 + 2] as number) * lit + spec;
    }
  }
  return out;
}

/** Adds `amplitude` x a Gaussian mound of standard deviation `sigma` centred at (cx, cy). */
export function addMound(surface: Surface, cx: number, cy: number, sigma: number, amplitude: number): void {
  const { width, height, heightMap } = surface;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d2 = (x - cx) ** 2 + (y - cy) ** 2;
      heightMap[y * width + x] =
        (heightMap[y * width + x] as number) + amplitude * Math.exp(-d2 / (2 * sigma * sigma));
    }
  }
}
