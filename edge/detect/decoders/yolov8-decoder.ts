import type { YoloV8DecoderConfig } from '../../../foundation/models/manifest-schema.ts';
import type { Candidate, Decoder } from '../types.ts';
import { candidateFromCentre } from './candidate-box.ts';

export function createYoloV8Decoder(config: YoloV8DecoderConfig): Decoder {
  const name = config.output;
  return {
    type: 'yolov8',
    outputNames: [name],
    decode(outputs, { inputWidth, inputHeight, scoreThreshold }) {
      const tensor = outputs[name];
      if (!tensor) throw new Error(`yolov8 decoder: output "${name}" is missing`);
      const { dims, data } = tensor;
      const [batch, channels = 0, anchors = 0] = dims;
      if (dims.length !== 3 || batch !== 1 || channels < 5) {
        throw new Error(
          `yolov8 decoder: output "${name}" has dims [${dims.join(', ')}], expected [1, 4 + C, N] with C >= 1`,
        );
      }
      if (data.length < channels * anchors) {
        throw new Error(
          `yolov8 decoder: output "${name}" holds ${data.length} values, expected ${channels * anchors}`,
        );
      }
      const numClasses = channels - 4;
      const candidates: Candidate[] = [];
      for (let n = 0; n < anchors; n++) {
        let classId = 0;
        let score = data[4 * anchors + n] as number;
        for (let c = 1; c < numClasses; c++) {
          const v = data[(4 + c) * anchors + n] as number;
          if (v > score) {
            score = v;
            classId = c;
          }
        }
        if (!(score >= scoreThreshold)) continue;
        candidates.push(
          candidateFromCentre(
            classId,
            score,
            data[n] as number,
            data[anchors + n] as number,
            data[2 * anchors + n] as number,
            data[3 * anchors + n] as number,
            inputWidth,
            inputHeight,
          ),
        );
      }
      return candidates;
    },
  };
}
