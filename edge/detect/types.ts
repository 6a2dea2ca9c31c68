import type { Box } from '../../foundation/media/frame.ts';

/** One detected object, in the coordinates of the image it was found in. */
export interface Detection {
  label: string;
  classId: number;
  score: number;
  box: Box;
}

/** A decoder's raw proposal, in model-input pixel coordinates, before NMS. */
export interface Candidate {
  classId: number;
  score: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** One output tensor of a model run, as onnxruntime returns it. */
export interface OutputTensor {
  data: Float32Array;
  dims: readonly number[];
}

export type ModelOutputs = Readonly<Record<string, OutputTensor>>;

export interface DecodeOptions {
  /** Model input size in pixels: the frame the candidates' coordinates refer to. */
  inputWidth: number;
  inputHeight: number;
  /** Candidates scoring below this are not returned. */
  scoreThreshold: number;
}

/** Turns a model's raw outputs into candidates; one implementation per output format. */
export interface Decoder {
  readonly type: string;
  /** Output tensor names the decoder reads, so a loader can check them against the model. */
  readonly outputNames: readonly string[];
  decode(outputs: ModelOutputs, options: DecodeOptions): Candidate[];
}
