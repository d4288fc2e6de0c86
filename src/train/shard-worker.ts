// A training helper thread: computes the gradient of the shards the main thread hands it, on its own ONNX Runtime
// session of the same gradient graph, so the shards of one batch run at once on different cores.
// Protocol (see shard-helper.ts): workerData is the gradient graph; the thread answers { ready } once its session is
// open, then one { result } or { error } per ShardTask, in order.
import { parentPort, workerData } from 'node:worker_threads';
import { openSession } from '../model/session.js';
import { runShard, type ShardTask } from './shard.js';

const port = parentPort!;
const opened = openSession((workerData as { graph: Uint8Array }).graph, 'cpu', { threads: 1 });
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

opened.then(
  () => port.postMessage({ ready: true }),
  (err: unknown) => port.postMessage({ error: message(err) }),
);

port.on('message', async (task: ShardTask) => {
  try {
    const result = await runShard((await opened).session, task);
    // Move, don't copy: the results, and the task's buffers back for the next step (docs/performance.md).
    const buffers = [result.grad, result.logits, task.image, task.target, task.params].map((a) => a.buffer as ArrayBuffer);
    port.postMessage({ result, task }, buffers);
  } catch (err) {
    port.postMessage({ error: message(err) });
  }
});
