import type { YoloV5DecoderConfig } from '../../../foundation/models/manifest-schema.ts';
import type { Candidate, Decoder } from '../types.ts';
import { candidateFromCentre } from './candidate-box.ts';

export function createYoloV5Decoder(config: YoloV5DecoderConfig): Decoder {
  const name = config.output;
  return {
    type: 'yolov5',
    outputNames: [name],
    decode(outputs, { inputWidth, inputHeight, scoreThreshold }) {
      const tensor = outputs[name];
      if (!tensor) throw new Error(`yolov5 decoder: output "${name}" is missing`);
      const { dims, data } = tensor;
      const [batch, anchors = 0, channels = 0] = dims;
      if (dims.length !== 3 || batch !== 1 || channels < 6) {
        throw new Error(
          `yolov5 decoder: output "${name}" has dims [${dims.join(', ')}], expected [1, N, 5 + C] with C >= 1`,
        );
      }
      if (data.length < channels * anchors) {
        throw new Error(
          `yolov5 decoder: output "${name}" holds ${data.length} values, expected ${channels * anchors}`,
        );
      }
      const candidates: Candidate[] = [];
      for (let n = 0; n < anchors; n++) {
        const base = n * channels;
        const objectness = data[base + 4] as number;
        // Class probabilities are at most 1, so a low objectness already rules the anchor out.
        if (!(objectness >= scoreThreshold)) continue;
        let classId = 0;
        let classProb = data[base + 5] as number;
        for (let c = 1; c < channels - 5; c++) {
          const v = data[base + 5 + c] as number;
          if (v > classProb) {
            classProb = v;
            classId = c;
          }
        }
        const score = objectness * classProb;
        if (!(score >= scoreThreshold)) continue;
        candidates.push(
          candidateFromCentre(
            classId,
            score,
            data[base] as number,
            data[base + 1] as number,
            data[base + 2] as number,
            data[base + 3] as number,
            inputWidth,
            inputHeight,
          ),
        );
      }
      return candidates;
    },
  };
}
