// The inference thread (model-thread.ts): loads the model here, then runs each batch it is sent, one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { loadModel, ModelLoadError, type LoadedModel } from './model.js';
import type { FromThread, ModelThreadData, ToThread } from './model-thread.js';

const { file, device, threads } = workerData as ModelThreadData;
const port = parentPort!;
const send = (message: FromThread, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

let model: LoadedModel | undefined;
try {
  model = await loadModel(file, device, threads);
  send({ kind: 'loaded', info: model.info, provider: model.provider, fallbackReason: model.fallbackReason });
} catch (err) {
  send({ kind: 'load-failed', message: (err as Error).message, modelLoadError: err instanceof ModelLoadError });
  port.close(); // the thread ends once the message is out
}
if (model) serve(model);

function serve(model: LoadedModel): void {
  port.on('message', async (message: ToThread) => {
    if (message.kind === 'release') {
      await model.release();
      port.close();
      return;
    }
    try {
      // A copy: ORT's output may live in memory of its own, which cannot be handed over to another thread.
      let seconds = 0;
      const probabilities = new Float32Array(await model.run(message.images, message.n, (s) => (seconds = s)));
      send({ kind: 'ran', id: message.id, probabilities, seconds }, [probabilities.buffer]);
    } catch (err) {
      send({ kind: 'run-failed', id: message.id, message: (err as Error).message });
    }
  });
}
