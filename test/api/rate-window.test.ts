import { describe, expect, it } from 'vitest';
import { RateWindow } from '../../edge/api/rate-window.ts';

describe('RateWindow', () => {
  it('is 0 until two samples some time apart exist', () => {
    const rate = new RateWindow(10_000);
    expect(rate.perSecond()).toBe(0);
    rate.add(1000, 5);
    expect(rate.perSecond()).toBe(0);
    rate.add(1000, 5);
    expect(rate.perSecond()).toBe(0);
  });

  it('measures over the trailing window only', () => {
    const rate = new RateWindow(10_000);
    // 10 fps for 20 s, then 2 fps for 10 s.
    for (let t = 0; t <= 20; t += 1) rate.add(t * 1000, t * 10);
    expect(rate.perSecond()).toBeCloseTo(10, 9);
    for (let t = 21; t <= 30; t += 1) rate.add(t * 1000, 200 + (t - 20) * 2);
    expect(rate.perSecond()).toBeCloseTo(2, 9);
  });

  it('keeps memory bounded however often it is sampled', () => {
    const rate = new RateWindow(10_000, 250);
    for (let t = 0; t <= 60_000; t += 10) rate.add(t, t / 100);
    expect(rate.perSecond()).toBeCloseTo(10, 6);
    expect((rate as unknown as { samples: unknown[] }).samples.length).toBeLessThanOrEqual(10_000 / 250 + 3);
  });

  it('starts afresh when the counter goes down', () => {
    const rate = new RateWindow(10_000);
    rate.add(0, 100);
    rate.add(1000, 200);
    rate.add(2000, 3);
    expect(rate.perSecond()).toBe(0);
    rate.add(3000, 8);
    expect(rate.perSecond()).toBeCloseTo(5, 9);
  });

  it('refuses a window that is not positive', () => {
    expect(() => new RateWindow(0)).toThrow(RangeError);
  });
});
