import type { YoloV8DecoderConfig } from '../../../foundation/models/manifest-schema.ts';
import type { Candidate, Decoder } from '../types.ts';
import { bestIndex, candidateFromCentre, headDecoder } from './candidate-box.ts';

/** YOLOv8 head: `[1, 4 + C, N]`, channel-major: cx, cy, w, h of every anchor, then C class scores. */
export function createYoloV8Decoder(config: YoloV8DecoderConfig): Decoder {
  const fits = (channels: number) => channels >= 5;
  return headDecoder('yolov8', config.output, '[1, 4 + C, N] with C >= 1', fits, (head, options) => {
    const { data, rows: channels, columns: anchors } = head;
    const candidates: Candidate[] = [];
    for (let n = 0; n < anchors; n++) {
      const classId = bestIndex(data, 4 * anchors + n, channels - 4, anchors);
      const score = data[(4 + classId) * anchors + n] as number;
      if (!(score >= options.scoreThreshold)) continue;
      candidates.push(
        candidateFromCentre(classId, score, data, n, anchors, options.inputWidth, options.inputHeight),
      );
    }
    return candidates;
  });
}
