// One shard's gradient: the part of a training step that data-parallel threads share out (src/model/train-step.ts).
import * as ort from 'onnxruntime-node';
import { batchShape, CLASSES, INPUT_NAME } from '../model/input-contract.js';
import { GRAD_SCALE, PARAMS_INPUT, TARGET } from '../model/train-step.js';

export interface ShardTask {
  image: Float32Array;
  /** [n, CLASSES]: the distribution each image should read as (trainer.ts). */
  target: Float32Array;
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

/** The images and targets of a batch (or a shard of one) as the training graphs' inputs. */
export function batchFeeds(image: Float32Array, target: Float32Array): Record<string, ort.Tensor> {
  const n = target.length / CLASSES;
  return { [INPUT_NAME]: new ort.Tensor('float32', image, batchShape(n)), [TARGET]: new ort.Tensor('float32', target, [n, CLASSES]) };
}

export async function runShard(session: ort.InferenceSession, task: ShardTask): Promise<ShardResult> {
  const out = await session.run({
    ...batchFeeds(task.image, task.target),
    [PARAMS_INPUT]: new ort.Tensor('float32', task.params, [task.params.length]),
    [GRAD_SCALE]: new ort.Tensor('float32', [task.scale], []),
  });
  return { loss: (out.loss.data as Float32Array)[0], logits: out.logits.data as Float32Array, grad: out.grad.data as Float32Array };
}
