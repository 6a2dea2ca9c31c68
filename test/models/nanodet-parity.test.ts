import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../edge/detect/detector.ts';
import { Preprocessor } from '../../edge/detect/preprocess.ts';
import { NANODET_TFJS_PATH } from '../../models/tools/build-nanodet.ts';
import { readTfjsGraphModel } from '../../models/tools/tfjs-graph-model.ts';

const FRAMES = [
  'fixtures/frames/vtest-0000.jpg',
  'fixtures/frames/vtest-0396.jpg',
  'fixtures/frames/vtest-0792.jpg',
];
const TFJS_OUTPUTS: Record<string, string> = {
  cls_stride8: 'Identity:0',
  cls_stride16: 'Identity_1:0',
  cls_stride32: 'Identity_2:0',
  reg_stride8: 'Identity_3:0',
  reg_stride16: 'Identity_4:0',
  reg_stride32: 'Identity_5:0',
};

describe('converted NanoDet-g-416 against the TF.js original', () => {
  let graphModel: tf.GraphModel;
  let detector: Detector;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const graph = await readTfjsGraphModel(NANODET_TFJS_PATH);
    graphModel = await tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: graph.json.modelTopology,
        weightSpecs: graph.json.weightsManifest.flatMap((g) => g.weights),
        weightData: graph.weightData,
      } as tf.io.ModelArtifacts),
    );
    detector = await Detector.load('nanodet-g-416');
  });

  it.each(FRAMES)('every output agrees within 1e-3 on %s', async (frame) => {
    const preprocessor = new Preprocessor(detector.manifest.input);
    await preprocessor.load(frame);
    await detector.preprocess(frame);
    const onnxOutputs = await detector.runInference();
    const input = tf.tensor(preprocessor.tensor, [...preprocessor.dims]);
    const names = Object.keys(TFJS_OUTPUTS);
    const tfOutputs = graphModel.execute(
      input,
      names.map((n) => TFJS_OUTPUTS[n] as string),
    ) as tf.Tensor[];
    const report: Record<string, number> = {};
    names.forEach((name, k) => {
      const expected = (tfOutputs[k] as tf.Tensor).dataSync();
      const actual = onnxOutputs[name]?.data;
      expect(actual, name).toBeDefined();
      expect(actual?.length, name).toBe(expected.length);
      let maxDiff = 0;
      for (let i = 0; i < expected.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs((actual?.[i] ?? Number.NaN) - (expected[i] ?? 0)));
      }
      report[name] = maxDiff;
      expect(maxDiff, `${name} max |onnx - tfjs|`).toBeLessThan(1e-3);
    });
    console.log(`${frame} max abs diff per output:`, report);
    tf.dispose([input, ...tfOutputs]);
  });
});
