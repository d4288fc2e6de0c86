// One shard's gradient: the part of a training step that data-parallel threads share out (src/model/train-step.ts).
import * as ort from 'onnxruntime-node';
import { batchShape, INPUT_NAME } from '../model/input-contract.js';
import { GRAD_SCALE, PARAMS_INPUT } from '../model/train-step.js';

export interface ShardTask {
  image: Float32Array;
  label: BigInt64Array;
  params: Float32Array;
  /** The shard's share of the batch: its images / the batch's. */
  scale: number;
}

export interface ShardResult {
  /** Mean loss over the shard's images. */
  loss: number;
  logits: Float32Array;
  /** scale × the gradient of the shard's mean loss: the shards' gradients sum to the batch's. */
  grad: Float32Array;
}

/** The images and labels of a batch (or a shard of one) as the training graphs' inputs. */
export function batchFeeds(image: Float32Array, label: BigInt64Array): Record<string, ort.Tensor> {
  const n = label.length;
  return { [INPUT_NAME]: new ort.Tensor('float32', image, batchShape(n)), label: new ort.Tensor('int64', label, [n]) };
}

export async function runShard(session: ort.InferenceSession, task: ShardTask): Promise<ShardResult> {
  const out = await session.run({
    ...batchFeeds(task.image, task.label),
    [PARAMS_INPUT]: new ort.Tensor('float32', task.params, [task.params.length]),
    [GRAD_SCALE]: new ort.Tensor('float32', [task.scale], []),
  });
  return { loss: (out.loss.data as Float32Array)[0], logits: out.logits.data as Float32Array, grad: out.grad.data as Float32Array };
}
