import type { PlateRead } from '../../foundation/contract/events.ts';
import type { PlateColor } from './plate-color.ts';

/** One frame's read of a plate that validated. */
export interface PlateCandidate {
  text: string;
  /** The recogniser's confidence in it, 0..1. */
  confidence: number;
  color?: PlateColor | undefined;
}

export interface PlateVoteOptions {
  /** Reads of the same text needed before it is reported. */
  minAgree: number;
  /** The share of all the track's valid reads the leading text needs. */
  minShare: number;
}

export const DEFAULT_PLATE_VOTE: PlateVoteOptions = { minAgree: 2, minShare: 0.6 };

interface Tally {
  votes: number;
  confidence: number;
  colors: Map<PlateColor, number>;
}

/**
 * The votes of one vehicle's frames for its plate. A text is reported once `minAgree` frames read
 * it and it holds `minShare` of the valid reads: one frame's read alone is never reported, and two
 * texts that split the reads leave the plate unread. Frames that read nothing valid do not vote.
 */
export class PlateVote {
  private readonly tallies = new Map<string, Tally>();
  private valid = 0;
  private attempts = 0;

  constructor(private readonly options: PlateVoteOptions = DEFAULT_PLATE_VOTE) {}

  /** Adds one frame's outcome: a validated read, or undefined when the frame read nothing valid. */
  add(candidate: PlateCandidate | undefined): void {
    this.attempts++;
    if (!candidate) return;
    this.valid++;
    const tally = this.tallies.get(candidate.text) ?? { votes: 0, confidence: 0, colors: new Map() };
    tally.votes++;
    tally.confidence += candidate.confidence;
    if (candidate.color) tally.colors.set(candidate.color, (tally.colors.get(candidate.color) ?? 0) + 1);
    this.tallies.set(candidate.text, tally);
  }

  /** Frames read so far, valid or not. */
  get reads(): number {
    return this.attempts;
  }

  /** The plate the votes agree on, or undefined while they do not. */
  result(): PlateRead | undefined {
    let leader: [string, Tally] | undefined;
    for (const entry of this.tallies) if (!leader || entry[1].votes > leader[1].votes) leader = entry;
    if (!leader) return undefined;
    const [text, tally] = leader;
    const share = tally.votes / this.valid;
    if (tally.votes < this.options.minAgree || share < this.options.minShare) return undefined;
    const color = majorityColor(tally.colors, tally.votes);
    return {
      text,
      confidence: Number((share * (tally.confidence / tally.votes)).toFixed(4)),
      ...(color ? { color } : {}),
      frames: tally.votes,
    };
  }
}

/** The colour more than half of the text's votes saw; none when they disagree. */
function majorityColor(colors: ReadonlyMap<PlateColor, number>, votes: number): PlateColor | undefined {
  for (const [color, count] of colors) if (count * 2 > votes) return color;
  return undefined;
}
