import type { DecoderConfig } from '../../../foundation/models/manifest-schema.ts';
import { EdgeError } from '../../errors.ts';
import type { Decoder } from '../types.ts';
import { createNanoDetDecoder } from './nanodet-decoder.ts';
import { createYoloV5Decoder } from './yolov5-decoder.ts';
import { createYoloV8Decoder } from './yolov8-decoder.ts';

export { createNanoDetDecoder, createYoloV5Decoder, createYoloV8Decoder };

export function createDecoder(config: DecoderConfig): Decoder {
  switch (config.type) {
    case 'nanodet':
      return createNanoDetDecoder(config);
    case 'yolov8':
      return createYoloV8Decoder(config);
    case 'yolov5':
      return createYoloV5Decoder(config);
    case 'classifier':
      throw new EdgeError(
        'MODEL_TASK_MISMATCH',
        `decoder "classifier" (output ${config.output}) belongs to a classify model: run it with Classifier, not as a detector`,
      );
    default: {
      const unknown: never = config;
      throw new Error(`unknown decoder type: ${JSON.stringify(unknown)}`);
    }
  }
}
