import type { PlateRead } from '../../../foundation/contract/events.ts';
import type { Box, RawImage } from '../../../foundation/media/frame.ts';
import type { ReadPlate } from '../../plates/plate-reader.ts';
import { PlateVote, type PlateVoteOptions } from '../../plates/plate-vote.ts';

export interface TruckPlatesOptions {
  read: ReadPlate;
  maxReadsPerTrack: number;
  maxReadsPerFrame: number;
  vote: PlateVoteOptions;
}

/**
 * The plate votes of the trucks a muck-truck rule follows, by occupant key. Work is bounded: at
 * most `maxReadsPerFrame` reads per analysed frame, `maxReadsPerTrack` per truck, none once a
 * truck's vote is decided.
 */
export class TruckPlates {
  private readonly votes = new Map<number, PlateVote>();
  private frameTime = Number.NaN;
  private budget = 0;

  constructor(private readonly options: TruckPlatesOptions) {}

  /** Reads the truck's plate on this frame if it is still undecided and the frame's budget allows. */
  async observe(key: number, frame: RawImage, box: Readonly<Box>, time: number): Promise<void> {
    if (time !== this.frameTime) {
      this.frameTime = time;
      this.budget = this.options.maxReadsPerFrame;
    }
    let vote = this.votes.get(key);
    if (!vote) {
      vote = new PlateVote(this.options.vote);
      this.votes.set(key, vote);
    }
    if (this.budget <= 0 || vote.reads >= this.options.maxReadsPerTrack || vote.result()) return;
    this.budget--;
    vote.add(await this.options.read(frame, [...box] as Box));
  }

  /** The truck's plate once its frames agree; undefined while unread. */
  plate(key: number): PlateRead | undefined {
    return this.votes.get(key)?.result();
  }

  forget(key: number): void {
    this.votes.delete(key);
  }
}
