import type { YoloV5DecoderConfig } from '../../../foundation/models/manifest-schema.ts';
import type { Candidate, Decoder } from '../types.ts';
import { bestIndex, candidateFromCentre, headDecoder } from './candidate-box.ts';

/** YOLOv5 head: `[1, N, 5 + C]`, each anchor cx, cy, w, h, objectness, then C class probabilities. */
export function createYoloV5Decoder(config: YoloV5DecoderConfig): Decoder {
  const fits = (_anchors: number, channels: number) => channels >= 6;
  return headDecoder('yolov5', config.output, '[1, N, 5 + C] with C >= 1', fits, (head, options) => {
    const { data, rows: anchors, columns: channels } = head;
    const { inputWidth, inputHeight, scoreThreshold } = options;
    const candidates: Candidate[] = [];
    for (let n = 0; n < anchors; n++) {
      const base = n * channels;
      const objectness = data[base + 4] as number;
      // Class probabilities are at most 1, so a low objectness already rules the anchor out.
      if (!(objectness >= scoreThreshold)) continue;
      const classId = bestIndex(data, base + 5, channels - 5, 1);
      const score = objectness * (data[base + 5 + classId] as number);
      if (!(score >= scoreThreshold)) continue;
      candidates.push(candidateFromCentre(classId, score, data, base, 1, inputWidth, inputHeight));
    }
    return candidates;
  });
}
