import { SegmentRecorder } from '../../edge/evidence/segment-recorder.ts';

/**
 * For the orphan test: records the fixture as a live camera into the folder given as the first
 * argument and prints RECORDING once a segment has closed, then runs until it is killed.
 */
const [dir, source] = process.argv.slice(2);
if (!dir || !source) throw new Error('usage: recorder-child-process.ts DIR SOURCE');
const recorder = new SegmentRecorder({
  cameraId: 'orphan',
  source: { url: source, loop: true },
  dir,
}).start();
recorder.once('segment', () => console.log('RECORDING'));
