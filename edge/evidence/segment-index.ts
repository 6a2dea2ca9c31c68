import type { RecordedSegment } from './segment-list.ts';
import { planRetention } from './segment-retention.ts';

/** A camera's closed segments, oldest first, and the intervals clip cuts hold against retention. */
export class SegmentIndex {
  private readonly held: RecordedSegment[] = [];
  private readonly pins = new Map<number, { fromMs: number; toMs: number }>();
  private nextPin = 0;

  get count(): number {
    return this.held.length;
  }

  all(): readonly RecordedSegment[] {
    return [...this.held];
  }

  bytes(): number {
    let bytes = 0;
    for (const s of this.held) bytes += s.bytes;
    return bytes;
  }

  oldestStartMs(): number | null {
    return this.held[0]?.startMs ?? null;
  }

  /** Inserts in start order. */
  add(segment: RecordedSegment): void {
    let at = this.held.length;
    while (at > 0 && (this.held[at - 1] as RecordedSegment).startMs > segment.startMs) at -= 1;
    this.held.splice(at, 0, segment);
  }

  /** Keeps retention off segments overlapping [fromMs, toMs] until the returned release is called. */
  pin(fromMs: number, toMs: number): () => void {
    const id = this.nextPin++;
    this.pins.set(id, { fromMs, toMs });
    return () => {
      this.pins.delete(id);
    };
  }

  /** Takes what retention deletes now (`planRetention`) out of the index, and returns it. */
  retire(limits: { maxBytes: number; maxAgeMs: number; nowMs: number }): RecordedSegment[] {
    const doomed = planRetention(this.held, { ...limits, isPinned: (s) => this.isPinned(s) });
    this.held.splice(0, doomed.length);
    return doomed;
  }

  private isPinned(segment: RecordedSegment): boolean {
    for (const pin of this.pins.values()) {
      if (segment.startMs <= pin.toMs && segment.endMs >= pin.fromMs) return true;
    }
    return false;
  }
}
