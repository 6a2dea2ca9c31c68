/** Building row-major 3×3 homographies from parts: products, scalings and shifts. Pure arithmetic. */

/** a·b: the map that applies b first, then a. */
export function multiplyHomographies(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      for (let k = 0; k < 3; k++)
        out[r * 3 + c] = (out[r * 3 + c] ?? 0) + (a[r * 3 + k] ?? 0) * (b[k * 3 + c] ?? 0);
  return out;
}

/** The chain of maps, applied right to left (the last one first). */
export function composeHomographies(...maps: readonly (readonly number[])[]): number[] {
  return maps.reduce<number[]>((acc, m) => multiplyHomographies(acc, m), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
}

/** x' = sx·x + tx, y' = sy·y + ty. */
export function scaleAndShift(sx: number, sy: number, tx = 0, ty = 0): number[] {
  return [sx, 0, tx, 0, sy, ty, 0, 0, 1];
}
