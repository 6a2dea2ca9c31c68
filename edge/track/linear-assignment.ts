/**
 * Optimal linear assignment (the Hungarian method in its shortest-augmenting-path form, as in
 * Jonker-Volgenant): given a rows × cols cost matrix, pick at most one column per row and one row
 * per column so that every row of the smaller side is assigned and the total cost is minimal.
 * O(n² m) for n = min(rows, cols), m = max(rows, cols).
 *
 * With `maxCost`, a pair costing more than `maxCost` (or NaN, or ±Infinity) is never assigned and
 * leaving a row unassigned costs `maxCost`: the solver then trades a poor match against no match
 * the way ByteTrack's `lapjv(..., cost_limit)` does, instead of forcing a bad pair to get one more.
 */

export interface AssignmentResult {
  /** For each row, its column, or -1 when unassigned. */
  rowToCol: number[];
  /** For each column, its row, or -1 when unassigned. */
  colToRow: number[];
  /** Sum of the costs of the assigned pairs. */
  totalCost: number;
}

/**
 * Reusable solver: its work buffers grow to the largest problem seen and are kept, so a tracker
 * calling it every frame allocates nothing once warmed up.
 */
export class LinearAssignmentSolver {
  /** Row i's column after `solve`, or -1. Valid for `rows` entries, until the next `solve`. */
  rowToCol = new Int32Array(0);
  /** Column j's row after `solve`, or -1. Valid for `cols` entries, until the next `solve`. */
  colToRow = new Int32Array(0);

  private work = new Float64Array(0);
  private u = new Float64Array(0);
  private v = new Float64Array(0);
  private minv = new Float64Array(0);
  private p = new Int32Array(0);
  private way = new Int32Array(0);
  private used = new Uint8Array(0);

  /**
   * Solves the problem whose cost of (row i, column j) is `cost[i * cols + j]`. Fills `rowToCol`
   * and `colToRow` and returns the number of assigned pairs.
   */
  solve(cost: ArrayLike<number>, rows: number, cols: number, maxCost = Number.POSITIVE_INFINITY): number {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new RangeError(`matrix size must be non-negative integers, got ${rows} x ${cols}`);
    }
    if (cost.length < rows * cols) {
      throw new RangeError(
        `cost has ${cost.length} entries, a ${rows} x ${cols} matrix needs ${rows * cols}`,
      );
    }
    if (Number.isNaN(maxCost) || maxCost === Number.NEGATIVE_INFINITY) {
      throw new RangeError(`maxCost must be a number or +Infinity, got ${maxCost}`);
    }
    this.reserve(rows, cols);
    this.rowToCol.fill(-1, 0, rows);
    this.colToRow.fill(-1, 0, cols);
    if (rows === 0 || cols === 0) return 0;

    // The algorithm needs n <= m: it assigns every one of its n rows. Transpose when rows > cols.
    const transposed = rows > cols;
    const n = transposed ? cols : rows;
    const m = transposed ? rows : cols;
    const limited = maxCost !== Number.POSITIVE_INFINITY;
    const a = this.work;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        const c = transposed ? (cost[j * cols + i] as number) : (cost[i * cols + j] as number);
        if (limited) {
          a[i * m + j] = Number.isFinite(c) && c <= maxCost ? c : maxCost;
        } else if (Number.isFinite(c)) {
          a[i * m + j] = c;
        } else {
          throw new RangeError(`cost[${transposed ? j : i}][${transposed ? i : j}] is ${c}; pass maxCost`);
        }
      }
    }

    // 1-based potentials u (rows), v (columns); p[j] = row matched to column j (0: none);
    // column 0 is the virtual start of each augmenting path.
    const { u, v, minv, p, way, used } = this;
    u.fill(0, 0, n + 1);
    v.fill(0, 0, m + 1);
    p.fill(0, 0, m + 1);
    way.fill(0, 0, m + 1);
    for (let i = 1; i <= n; i++) {
      p[0] = i;
      let j0 = 0;
      minv.fill(Number.POSITIVE_INFINITY, 0, m + 1);
      used.fill(0, 0, m + 1);
      do {
        used[j0] = 1;
        const i0 = p[j0] as number;
        const rowOffset = (i0 - 1) * m - 1;
        const ui0 = u[i0] as number;
        let delta = Number.POSITIVE_INFINITY;
        let j1 = 0;
        for (let j = 1; j <= m; j++) {
          if (used[j]) continue;
          const reduced = (a[rowOffset + j] as number) - ui0 - (v[j] as number);
          if (reduced < (minv[j] as number)) {
            minv[j] = reduced;
            way[j] = j0;
          }
          if ((minv[j] as number) < delta) {
            delta = minv[j] as number;
            j1 = j;
          }
        }
        for (let j = 0; j <= m; j++) {
          if (used[j]) {
            const row = p[j] as number;
            u[row] = (u[row] as number) + delta;
            v[j] = (v[j] as number) - delta;
          } else {
            minv[j] = (minv[j] as number) - delta;
          }
        }
        j0 = j1;
      } while (p[j0] !== 0);
      // Flip the augmenting path back to its start.
      do {
        const j1 = way[j0] as number;
        p[j0] = p[j1] as number;
        j0 = j1;
      } while (j0 !== 0);
    }

    let assigned = 0;
    for (let j = 1; j <= m; j++) {
      const i = p[j] as number;
      if (i === 0) continue;
      const row = transposed ? j - 1 : i - 1;
      const col = transposed ? i - 1 : j - 1;
      // A pair at the cap stands for "unassigned"; keep it only if its real cost is within it.
      const real = cost[row * cols + col] as number;
      if (limited && !(Number.isFinite(real) && real <= maxCost)) continue;
      this.rowToCol[row] = col;
      this.colToRow[col] = row;
      assigned += 1;
    }
    return assigned;
  }

  private reserve(rows: number, cols: number): void {
    if (this.rowToCol.length < rows) this.rowToCol = new Int32Array(grow(rows));
    if (this.colToRow.length < cols) this.colToRow = new Int32Array(grow(cols));
    if (this.work.length < rows * cols) this.work = new Float64Array(grow(rows * cols));
    const side = Math.max(rows, cols) + 1;
    if (this.u.length < side) {
      const size = grow(side);
      this.u = new Float64Array(size);
      this.v = new Float64Array(size);
      this.minv = new Float64Array(size);
      this.p = new Int32Array(size);
      this.way = new Int32Array(size);
      this.used = new Uint8Array(size);
    }
  }
}

function grow(needed: number): number {
  let size = 16;
  while (size < needed) size *= 2;
  return size;
}

/**
 * One-off convenience form: `cost[row][col]`, rows of equal length. See `LinearAssignmentSolver`
 * for the meaning of `maxCost` and for a form that reuses its buffers.
 */
export function solveLinearAssignment(
  cost: readonly (readonly number[])[],
  maxCost = Number.POSITIVE_INFINITY,
): AssignmentResult {
  const rows = cost.length;
  const cols = cost[0]?.length ?? 0;
  const flat = new Float64Array(rows * cols);
  cost.forEach((row, i) => {
    if (row.length !== cols) throw new RangeError(`row ${i} has ${row.length} entries, row 0 has ${cols}`);
    flat.set(row, i * cols);
  });
  const solver = new LinearAssignmentSolver();
  solver.solve(flat, rows, cols, maxCost);
  const rowToCol = Array.from(solver.rowToCol.subarray(0, rows));
  const colToRow = Array.from(solver.colToRow.subarray(0, cols));
  let totalCost = 0;
  rowToCol.forEach((col, row) => {
    if (col >= 0) totalCost += flat[row * cols + col] as number;
  });
  return { rowToCol, colToRow, totalCost };
}
