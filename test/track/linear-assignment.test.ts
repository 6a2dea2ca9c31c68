import { describe, expect, it } from 'vitest';
import { LinearAssignmentSolver, solveLinearAssignment } from '../../edge/track/linear-assignment.ts';

/** Exhaustive optimum over all assignments of the smaller side: the reference for small matrices. */
function bruteForce(cost: number[][]): number {
  const rows = cost.length;
  const cols = cost[0]?.length ?? 0;
  const at = (i: number, j: number) => (rows <= cols ? cost[i]?.[j] : cost[j]?.[i]) as number;
  const n = Math.min(rows, cols);
  const m = Math.max(rows, cols);
  let best = Number.POSITIVE_INFINITY;
  const used = new Array<boolean>(m).fill(false);
  const walk = (i: number, sum: number) => {
    if (i === n) {
      best = Math.min(best, sum);
      return;
    }
    for (let j = 0; j < m; j++) {
      if (used[j]) continue;
      used[j] = true;
      walk(i + 1, sum + at(i, j));
      used[j] = false;
    }
  };
  walk(0, 0);
  return best;
}

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function expectConsistent(rowToCol: number[], colToRow: number[]): void {
  rowToCol.forEach((col, row) => {
    if (col >= 0) expect(colToRow[col]).toBe(row);
  });
  colToRow.forEach((row, col) => {
    if (row >= 0) expect(rowToCol[row]).toBe(col);
  });
}

describe('solveLinearAssignment', () => {
  it('solves a square matrix with a known optimum', () => {
    const result = solveLinearAssignment([
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ]);
    expect(result.rowToCol).toEqual([1, 0, 2]);
    expect(result.colToRow).toEqual([1, 0, 2]);
    expect(result.totalCost).toBe(5);
  });

  it('beats greedy, which takes the cheapest pair first and pays for it later', () => {
    // Greedy takes (0,0) = 1 and is left with (1,1) = 100; the optimum crosses over for 4.
    const result = solveLinearAssignment([
      [1, 2],
      [2, 100],
    ]);
    expect(result.rowToCol).toEqual([1, 0]);
    expect(result.totalCost).toBe(4);
  });

  it('handles more columns than rows: every row assigned, extra columns left over', () => {
    const result = solveLinearAssignment([
      [9, 2, 7, 8],
      [6, 4, 3, 7],
    ]);
    expect(result.rowToCol).toEqual([1, 2]);
    expect(result.colToRow).toEqual([-1, 0, 1, -1]);
    expect(result.totalCost).toBe(5);
  });

  it('handles more rows than columns: every column assigned, extra rows left over', () => {
    const result = solveLinearAssignment([
      [9, 6],
      [2, 4],
      [7, 3],
      [8, 7],
    ]);
    expect(result.rowToCol).toEqual([-1, 0, 1, -1]);
    expect(result.colToRow).toEqual([1, 2]);
    expect(result.totalCost).toBe(5);
  });

  it('returns nothing for empty problems', () => {
    expect(solveLinearAssignment([])).toEqual({ rowToCol: [], colToRow: [], totalCost: 0 });
    expect(solveLinearAssignment([[], []])).toEqual({ rowToCol: [-1, -1], colToRow: [], totalCost: 0 });
  });

  it('handles negative costs and ties', () => {
    const negative = solveLinearAssignment([
      [-5, -1],
      [-1, -5],
    ]);
    expect(negative.totalCost).toBe(-10);
    const ties = solveLinearAssignment([
      [1, 1, 1],
      [1, 1, 1],
    ]);
    expect(ties.totalCost).toBe(2);
    expectConsistent(ties.rowToCol, ties.colToRow);
  });

  it('matches brute force on random square and rectangular matrices', () => {
    const next = random(42);
    for (let trial = 0; trial < 200; trial++) {
      const rows = 1 + Math.floor(next() * 6);
      const cols = 1 + Math.floor(next() * 6);
      const cost = Array.from({ length: rows }, () =>
        Array.from({ length: cols }, () => Math.round(next() * 20) - 5),
      );
      const result = solveLinearAssignment(cost);
      expect(result.rowToCol.filter((c) => c >= 0)).toHaveLength(Math.min(rows, cols));
      expectConsistent(result.rowToCol, result.colToRow);
      expect(result.totalCost, JSON.stringify(cost)).toBeCloseTo(bruteForce(cost), 9);
    }
  });

  it('never assigns a pair above maxCost, and prefers one good pair to two poor ones', () => {
    // Track 0 fits detection 0 well (cost 0.1); the crossed pairs are barely allowed (0.75 each).
    // Leaving a row out costs maxCost = 0.8: {0-0} costs 0.1 + 0.8, {0-1, 1-0} costs 1.5.
    const result = solveLinearAssignment(
      [
        [0.1, 0.75],
        [0.75, Number.POSITIVE_INFINITY],
      ],
      0.8,
    );
    expect(result.rowToCol).toEqual([0, -1]);
    expect(result.colToRow).toEqual([0, -1]);
    const blocked = solveLinearAssignment(
      [
        [0.9, Number.NaN],
        [0.85, 0.2],
      ],
      0.8,
    );
    expect(blocked.rowToCol).toEqual([-1, 1]);
  });

  it('refuses infinite costs without maxCost, and wrong shapes', () => {
    expect(() => solveLinearAssignment([[0, Number.POSITIVE_INFINITY]])).toThrow(RangeError);
    expect(() => solveLinearAssignment([[0, 1], [1]])).toThrow(RangeError);
    expect(() => new LinearAssignmentSolver().solve([1, 2, 3], 2, 2)).toThrow(RangeError);
  });
});

describe('LinearAssignmentSolver', () => {
  it('reuses its buffers across problems of different shapes', () => {
    const solver = new LinearAssignmentSolver();
    expect(solver.solve([5, 1, 1, 5, 3, 3], 3, 2)).toBe(2);
    expect(Array.from(solver.rowToCol.subarray(0, 3))).toEqual([1, 0, -1]);
    expect(solver.solve([1, 2, 2, 100], 2, 2)).toBe(2);
    expect(Array.from(solver.rowToCol.subarray(0, 2))).toEqual([1, 0]);
    expect(Array.from(solver.colToRow.subarray(0, 2))).toEqual([1, 0]);
    expect(solver.solve(new Float64Array(0), 0, 4)).toBe(0);
    expect(Array.from(solver.colToRow.subarray(0, 4))).toEqual([-1, -1, -1, -1]);
  });

  it('solves a 200 x 300 problem quickly', () => {
    const next = random(7);
    const rows = 200;
    const cols = 300;
    const cost = Float64Array.from({ length: rows * cols }, () => next());
    const solver = new LinearAssignmentSolver();
    const start = performance.now();
    expect(solver.solve(cost, rows, cols)).toBe(rows);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
