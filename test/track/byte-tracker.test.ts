import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Detection } from '../../edge/detect/types.ts';
import { ByteTracker, COCO_VEHICLE_GROUP, type TrackedObject } from '../../edge/track/byte-tracker.ts';
import type { Box } from '../../foundation/media/frame.ts';

const CLASS_IDS: Record<string, number> = { person: 0, car: 2, bus: 5, truck: 7 };

function det(label: string, score: number, box: Box): Detection {
  return { label, classId: CLASS_IDS[label] ?? -1, score, box };
}

/** A person-sized box (40 × 100) with its top-left corner at (x, y). */
function person(x: number, y: number): Box {
  return [x, y, x + 40, y + 100];
}

function centreX(t: TrackedObject): number {
  return (t.box[0] + t.box[2]) / 2;
}

function ids(tracks: readonly TrackedObject[]): number[] {
  return tracks.map((t) => t.id);
}

const FPS = 10;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ByteTracker lifecycle', () => {
  it('confirms a track after minHits consecutive matches and drops a tentative one that misses', () => {
    const tracker = new ByteTracker();
    expect(tracker.update([det('person', 0.9, person(100, 100))], 0)).toEqual([]);
    expect(tracker.allTracks).toHaveLength(1);
    expect(tracker.allTracks[0]).toMatchObject({ id: 1, state: 'tentative', hits: 1 });

    const confirmed = tracker.update([det('person', 0.9, person(104, 100))], 0.1);
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0]).toMatchObject({
      id: 1,
      state: 'confirmed',
      hits: 2,
      firstSeen: 0,
      lastSeen: 0.1,
      predicted: false,
      box: person(104, 100),
    });

    // A one-frame blip elsewhere starts a tentative track that dies at its first miss.
    tracker.update([det('person', 0.9, person(108, 100)), det('person', 0.95, person(500, 300))], 0.2);
    expect(tracker.allTracks.map((t) => [t.id, t.state])).toEqual([
      [1, 'confirmed'],
      [2, 'tentative'],
    ]);
    tracker.update([det('person', 0.9, person(112, 100))], 0.3);
    expect(ids(tracker.allTracks)).toEqual([1]);

    // Ids are never reused: the next new object gets 3, not 2.
    tracker.update([det('person', 0.9, person(116, 100)), det('person', 0.9, person(500, 300))], 0.4);
    const next = tracker.update(
      [det('person', 0.9, person(120, 100)), det('person', 0.9, person(502, 300))],
      0.5,
    );
    expect(ids(next)).toEqual([1, 3]);
  });

  it('honours a larger minHits, and minHits 1 confirms at once', () => {
    const three = new ByteTracker({ minHits: 3 });
    expect(three.update([det('person', 0.9, person(0, 0))], 0)).toEqual([]);
    expect(three.update([det('person', 0.9, person(2, 0))], 0.1)).toEqual([]);
    expect(ids(three.update([det('person', 0.9, person(4, 0))], 0.2))).toEqual([1]);

    const one = new ByteTracker({ minHits: 1 });
    expect(one.update([det('person', 0.9, person(0, 0))], 0)).toMatchObject([{ id: 1, state: 'confirmed' }]);
  });

  it('starts tracks only from detections scoring newTrackScore or more', () => {
    const tracker = new ByteTracker();
    tracker.update([det('person', 0.55, person(0, 0)), det('person', 0.3, person(200, 0))], 0);
    tracker.update([det('person', 0.55, person(0, 0)), det('person', 0.3, person(200, 0))], 0.1);
    expect(tracker.allTracks).toEqual([]);
  });

  it('returns snapshots that later updates leave alone', () => {
    const tracker = new ByteTracker();
    tracker.update([det('person', 0.9, person(0, 0))], 0);
    const [before] = tracker.update([det('person', 0.9, person(5, 0))], 0.1);
    const all = tracker.allTracks;
    tracker.update([], 0.2);
    expect(before).toMatchObject({ state: 'confirmed', predicted: false, box: person(5, 0), lastSeen: 0.1 });
    expect(all[0]).toBe(before);
    expect(tracker.allTracks[0]).toMatchObject({ state: 'lost', predicted: true });
  });

  it('estimates the velocity of the box centre in pixels per second', () => {
    const tracker = new ByteTracker();
    let last: TrackedObject[] = [];
    for (let frame = 0; frame < 20; frame++) {
      const t = frame / FPS;
      last = tracker.update([det('person', 0.9, person(100 + 80 * t, 200 - 30 * t))], t);
    }
    expect(last).toHaveLength(1);
    const [vx, vy] = last[0]?.velocity ?? [0, 0];
    expect(vx).toBeCloseTo(80, 0);
    expect(vy).toBeCloseTo(-30, 0);
  });
});

describe('ByteTracker identity', () => {
  /**
   * Two people walk towards each other along a path and pass: A goes right, B goes left, 10 px
   * lower. With `occlude`, B (behind) is not detected while their boxes overlap.
   */
  function crossing(occlude: boolean): { a: number[]; b: number[] } {
    const tracker = new ByteTracker();
    const seenA: number[] = [];
    const seenB: number[] = [];
    for (let frame = 0; frame <= 40; frame++) {
      const t = frame / FPS;
      const ax = 100 + 100 * t;
      const bx = 500 - 100 * t;
      const hidden = occlude && Math.abs(ax - bx) < 40;
      const detections = [det('person', 0.85, person(ax, 200))];
      if (!hidden) detections.push(det('person', 0.8, person(bx, 210)));
      const tracks = tracker.update(detections, t);
      for (const track of tracks) {
        // Which person a track follows: the one its box is on.
        if (Math.abs(centreX(track) - (ax + 20)) < 1 && track.box[1] === 200) seenA.push(track.id);
        else if (Math.abs(centreX(track) - (bx + 20)) < 1 && track.box[1] === 210) seenB.push(track.id);
      }
    }
    return { a: seenA, b: seenB };
  }

  it('keeps both ids when two people cross in full view', () => {
    const { a, b } = crossing(false);
    expect(a.length).toBe(40);
    expect(b.length).toBe(40);
    expect(new Set(a)).toEqual(new Set([1]));
    expect(new Set(b)).toEqual(new Set([2]));
  });

  it('keeps both ids when the one behind is hidden while they cross', () => {
    const { a, b } = crossing(true);
    expect(new Set(a)).toEqual(new Set([1]));
    expect(new Set(b)).toEqual(new Set([2]));
    expect(b.length).toBeGreaterThan(30);
    expect(b.length).toBeLessThan(40);
  });

  it('keeps the id of an object unseen for 1 s, predicting it meanwhile, and reports it lost', () => {
    const tracker = new ByteTracker();
    const at = (t: number) => person(100 + 30 * t, 150);
    let id = -1;
    for (let frame = 0; frame <= 60; frame++) {
      const t = frame / FPS;
      const gap = t > 2.95 && t < 4;
      const tracks = tracker.update(gap ? [] : [det('person', 0.9, at(t))], t);
      if (frame === 1) id = tracks[0]?.id ?? -1;
      if (gap) {
        expect(tracks).toEqual([]);
        const lost = tracker.allTracks[0];
        expect(lost).toMatchObject({ id, state: 'lost', predicted: true, lastSeen: 2.9 });
        // The prediction keeps walking with the object.
        expect(centreX(lost as TrackedObject)).toBeCloseTo(at(t)[0] + 20, -1);
      } else if (frame >= 1) {
        expect(ids(tracks)).toEqual([id]);
      }
    }
    expect(id).toBe(1);
    expect(tracker.allTracks).toHaveLength(1);
  });

  it('gives a new id to an object unseen for 5 s, after dropping the old track at 3 s', () => {
    const tracker = new ByteTracker();
    const box = person(300, 150);
    for (let frame = 0; frame <= 10; frame++) tracker.update([det('person', 0.9, box)], frame / FPS);
    expect(ids(tracker.allTracks)).toEqual([1]);
    tracker.update([], 1.1);
    tracker.update([], 4.0);
    expect(tracker.allTracks).toMatchObject([{ id: 1, state: 'lost' }]);
    tracker.update([], 4.1);
    expect(tracker.allTracks).toEqual([]);
    tracker.update([det('person', 0.9, box)], 6.0);
    expect(ids(tracker.update([det('person', 0.9, box)], 6.1))).toEqual([2]);
  });

  it('keeps a track alive on low-score detections (ByteTrack), which alone never start one', () => {
    const tracker = new ByteTracker();
    const at = (t: number) => person(100 + 50 * t, 150);
    for (let frame = 0; frame <= 50; frame++) {
      const t = frame / FPS;
      // Partly occluded from 1 s to 4 s: the detector still sees the person, but scores them 0.3.
      const occluded = t > 0.95 && t < 4;
      const detections = [det('person', occluded ? 0.3 : 0.9, at(t))];
      // A low-score false positive that never gets a track.
      detections.push(det('person', 0.4, person(600, 400)));
      const tracks = tracker.update(detections, t);
      if (frame >= 1) {
        expect(tracks, `t=${t}`).toMatchObject([{ id: 1, state: 'confirmed', predicted: false }]);
        expect(tracks[0]?.score).toBe(occluded ? 0.3 : 0.9);
      }
    }
    expect(tracker.allTracks).toHaveLength(1);

    // Without the low-score stage the same track is lost for those 3 s and expires.
    const highOnly = new ByteTracker({ lowScore: 0.5 });
    const returned = new Set<number>();
    for (let frame = 0; frame <= 50; frame++) {
      const t = frame / FPS;
      const occluded = t > 0.95 && t < 4;
      for (const track of highOnly.update([det('person', occluded ? 0.3 : 0.9, at(t))], t)) {
        returned.add(track.id);
      }
    }
    expect(returned).toEqual(new Set([1, 2]));
  });

  it('ignores detections below lowScore', () => {
    const tracker = new ByteTracker();
    tracker.update([det('person', 0.9, person(0, 0))], 0);
    tracker.update([det('person', 0.9, person(0, 0))], 0.1);
    expect(tracker.update([det('person', 0.05, person(0, 0))], 0.2)).toEqual([]);
    expect(tracker.allTracks).toMatchObject([{ id: 1, state: 'lost' }]);
  });
});

describe('ByteTracker labels', () => {
  const labels = ['car', 'truck', 'car', 'bus', 'truck', 'truck', 'car', 'truck', 'truck', 'car'];

  it('follows a van through car / truck / bus flips within a label group, keeping the commonest label', () => {
    const tracker = new ByteTracker({ labelGroups: [COCO_VEHICLE_GROUP] });
    let tracks: TrackedObject[] = [];
    labels.forEach((label, frame) => {
      tracks = tracker.update([det(label, 0.8, [600 + frame, 40, 760 + frame, 120])], frame / FPS);
      if (frame >= 1) expect(ids(tracks)).toEqual([1]);
    });
    expect(tracks[0]).toMatchObject({ label: 'truck', classId: CLASS_IDS.truck, hits: 10 });
  });

  it('keeps the first label on a tie, so it does not flicker', () => {
    const tracker = new ByteTracker({ labelGroups: [COCO_VEHICLE_GROUP] });
    tracker.update([det('car', 0.8, [0, 0, 100, 50])], 0);
    expect(tracker.update([det('truck', 0.8, [0, 0, 100, 50])], 0.1)).toMatchObject([{ label: 'car' }]);
    expect(tracker.update([det('truck', 0.8, [0, 0, 100, 50])], 0.2)).toMatchObject([{ label: 'truck' }]);
  });

  it('without groups, matching is per label: a flip breaks the track', () => {
    const tracker = new ByteTracker();
    const returnedAt: number[] = [];
    labels.forEach((label, frame) => {
      const tracks = tracker.update([det(label, 0.8, [600 + frame, 40, 760 + frame, 120])], frame / FPS);
      if (tracks.length > 0) returnedAt.push(frame);
    });
    // Only the truck, truck runs confirm a track; each flip starts another tentative one.
    expect(returnedAt).toEqual([5, 7, 8]);
    expect(Math.max(...ids(tracker.allTracks))).toBeGreaterThan(5);
  });

  it('never matches across groups, even on the same spot', () => {
    const tracker = new ByteTracker({ labelGroups: [COCO_VEHICLE_GROUP] });
    tracker.update([det('person', 0.9, person(0, 0))], 0);
    tracker.update([det('person', 0.9, person(0, 0))], 0.1);
    const tracks = tracker.update([det('car', 0.9, person(0, 0))], 0.2);
    expect(tracks).toEqual([]);
    expect(tracker.allTracks).toMatchObject([
      { id: 1, label: 'person', state: 'lost' },
      { id: 2, label: 'car', state: 'tentative' },
    ]);
  });
});

describe('ByteTracker time', () => {
  function walk(fps: number): TrackedObject[][] {
    const tracker = new ByteTracker();
    const out: TrackedObject[][] = [];
    for (let frame = 0; frame <= 3 * fps; frame++) {
      const t = 10 + frame / fps;
      const x = 50 * (t - 10);
      out.push(tracker.update([det('car', 0.9, [x, 100, x + 160, 180])], t));
    }
    return out;
  }

  it('uses only the times passed in: no clock is read, and replays give the same result', () => {
    const now = vi.spyOn(Date, 'now');
    const perf = vi.spyOn(performance, 'now');
    const first = walk(10);
    expect(now).not.toHaveBeenCalled();
    expect(perf).not.toHaveBeenCalled();
    expect(walk(10)).toEqual(first);
    expect(first.at(-1)?.[0]).toMatchObject({ id: 1, firstSeen: 10, lastSeen: 13 });
  });

  it('measures velocity in pixels per second whatever the frame rate', () => {
    for (const fps of [2, 5, 25]) {
      const last = walk(fps).at(-1)?.[0];
      expect(last?.velocity[0], `${fps} fps`).toBeCloseTo(50, 0);
    }
  });

  it('accepts repeated times, refuses time going back or not finite', () => {
    const tracker = new ByteTracker();
    tracker.update([], 5);
    tracker.update([], 5);
    expect(() => tracker.update([], 4.9)).toThrow(RangeError);
    expect(() => tracker.update([], Number.NaN)).toThrow(RangeError);
  });

  it('rejects inconsistent options', () => {
    expect(() => new ByteTracker({ lowScore: 0.6, highScore: 0.5 })).toThrow(RangeError);
    expect(() => new ByteTracker({ newTrackScore: 0.4 })).toThrow(RangeError);
    expect(() => new ByteTracker({ minHits: 0 })).toThrow(RangeError);
  });
});
