// The line model (models/line.onnx, docs/contracts.md): loaded, checked against its contract (input "line" float
// [N,1,28,W], output "scores" [N,T,11] log-probabilities, T = lineFrames(W)), warmed up, then run on batches of lines
// padded to one width. The same session options and execution provider as the digit model (src/model/session.ts).
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { LINE_CLASSES, LINE_INPUT, LINE_ROWS, LINE_SCORES, lineFrames } from '../model/line.js';
import { DataType, type ModelProto } from '../model/onnx-builder.js';
import type { Device, Provider } from '../model/session.js';
import { openModelFile, type ModelInfo } from './model.js';

export interface LoadedLineModel {
  info: ModelInfo;
  provider: Provider;
  fallbackReason?: string;
  /** Scores [n, lineFrames(width), 11] for n lines given as n × 28 × width floats (each padded on the right). */
  run(lines: Float32Array, n: number, width: number): Promise<Float32Array>;
  release(): Promise<void>;
}

/** The declared shapes the batcher needs: float [N,1,28,W] in with N and W free, [N,T,11] out. The reason, or undefined. */
function checkSignature(model: ModelProto): string | undefined {
  const find = (list: 'input' | 'output', name: string) => model.graph?.[list]?.find((v) => v.name === name)?.type?.tensorType;
  const fixed = (d: { dimValue?: unknown; dimParam?: string | null }) =>
    d.dimValue != null && !d.dimParam ? Number(d.dimValue) : undefined;
  const input = find('input', LINE_INPUT);
  if (input) {
    const dims = (input.shape?.dim ?? []).map(fixed);
    const free = (v: number | undefined) => v === undefined || v <= 0;
    if (
      input.elemType !== DataType.FLOAT ||
      dims.length !== 4 ||
      !free(dims[0]) ||
      dims[1] !== 1 ||
      dims[2] !== LINE_ROWS ||
      !free(dims[3])
    ) {
      return `input "${LINE_INPUT}" is declared [${dims.map((d) => d ?? '?')}]; expected float [N,1,${LINE_ROWS},W] with N and W free`;
    }
  }
  const output = find('output', LINE_SCORES);
  if (output) {
    const dims = (output.shape?.dim ?? []).map(fixed);
    if (output.elemType !== DataType.FLOAT || dims.length !== 3 || dims[2] !== LINE_CLASSES) {
      return `output "${LINE_SCORES}" is declared [${dims.map((d) => d ?? '?')}]; expected float [N,T,${LINE_CLASSES}]`;
    }
  }
  return undefined;
}

export async function loadLineModel(file: string, device: Device, threads: number): Promise<LoadedLineModel> {
  const bytes = await readFile(file); // ENOENT reaches the caller as it is: a missing line model is not an error
  return openModelFile(file, bytes, device, threads, {
    input: LINE_INPUT,
    output: LINE_SCORES,
    check: checkSignature,
    run: (session) => async (lines: Float32Array, n: number, width: number) => {
      const out = await session.run({ [LINE_INPUT]: new ort.Tensor('float32', lines, [n, 1, LINE_ROWS, width]) }, [LINE_SCORES]);
      return out[LINE_SCORES].data as Float32Array;
    },
    // Two batch sizes and widths prove N and W free, T as the contract says, and each column a distribution.
    async warmUp(run) {
      for (const [n, width] of [
        [1, 28],
        [3, 61],
      ]) {
        const scores = await run(new Float32Array(n * LINE_ROWS * width).fill(0.5), n, width);
        const frames = lineFrames(width);
        if (scores.length !== n * frames * LINE_CLASSES)
          throw new Error(`${n} lines ${width} wide gave ${scores.length} scores, expected ${n * frames * LINE_CLASSES}`);
        for (let row = 0; row < n * frames; row++) {
          let sum = 0;
          for (let k = 0; k < LINE_CLASSES; k++) sum += Math.exp(scores[row * LINE_CLASSES + k]);
          if (!(Math.abs(sum - 1) < 1e-3)) throw new Error(`its scores are not log-probabilities (a column's probabilities sum to ${sum})`);
        }
      }
    },
  });
}
