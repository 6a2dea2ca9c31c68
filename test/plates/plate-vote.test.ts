import { describe, expect, it } from 'vitest';
import { PlateVote } from '../../edge/plates/plate-vote.ts';

const read = (text: string, confidence = 0.9, color?: 'blue' | 'yellow' | 'green') => ({
  text,
  confidence,
  ...(color ? { color } : {}),
});

describe('plate voting over frames', () => {
  it('never reports a single frame’s read', () => {
    const vote = new PlateVote();
    vote.add(read('粤A12345'));
    expect(vote.result()).toBeUndefined();
  });

  it('reports a text two frames agree on, with the frames, the colour and a confidence from share and reads', () => {
    const vote = new PlateVote();
    vote.add(read('粤A12345', 0.9, 'yellow'));
    vote.add(undefined); // a frame that read nothing valid does not vote
    vote.add(read('粤A12345', 0.8, 'yellow'));
    expect(vote.result()).toEqual({ text: '粤A12345', confidence: 0.85, color: 'yellow', frames: 2 });
    expect(vote.reads).toBe(3);
  });

  it('leaves the plate unread while two texts split the reads', () => {
    const vote = new PlateVote();
    for (const text of ['粤A12345', '粤A12346', '粤A12345', '粤A12346']) vote.add(read(text));
    expect(vote.result()).toBeUndefined();
    vote.add(read('粤A12345'));
    vote.add(read('粤A12345'));
    // 4 of 6 valid reads: the share passes 0.6
    expect(vote.result()?.text).toBe('粤A12345');
    expect(vote.result()?.confidence).toBeCloseTo((4 / 6) * 0.9, 4);
  });

  it('gives no colour when the frames disagree on it', () => {
    const vote = new PlateVote();
    vote.add(read('粤A12345', 0.9, 'blue'));
    vote.add(read('粤A12345', 0.9, 'yellow'));
    expect(vote.result()?.color).toBeUndefined();
  });
});
