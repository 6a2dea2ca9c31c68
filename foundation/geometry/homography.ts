/** Row-major 3×3 plane homographies: mapping a point, and the inverse mapping. Pure arithmetic. */

export function applyHomography(h: readonly number[], x: number, y: number): [number, number] {
  const w = (h[6] ?? 0) * x + (h[7] ?? 0) * y + (h[8] ?? 1);
  return [
    ((h[0] ?? 0) * x + (h[1] ?? 0) * y + (h[2] ?? 0)) / w,
    ((h[3] ?? 0) * x + (h[4] ?? 0) * y + (h[5] ?? 0)) / w,
  ];
}

export function invertHomography(h: readonly number[]): number[] {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, k = 0, l = 1] = h;
  const det = a * (e * l - f * k) - b * (d * l - f * g) + c * (d * k - e * g);
  return [
    (e * l - f * k) / det,
    (c * k - b * l) / det,
    (b * f - c * e) / det,
    (f * g - d * l) / det,
    (a * l - c * g) / det,
    (c * d - a * f) / det,
    (d * k - e * g) / det,
    (b * g - a * k) / det,
    (a * e - b * d) / det,
  ];
}
