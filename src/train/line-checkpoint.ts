// The line trainer's checkpoints: what --resume needs, as checkpoint.ts writes them (JSON, base64 tensors, atomic).
import { checkpointPathFor, loadTensors, saveTensors } from './checkpoint.js';
import type { LineCheckpoint } from './line-trainer.js';

/** models/line.onnx → models/line.ckpt.json */
export const lineCheckpointPath = checkpointPathFor;

export const saveLineCheckpoint = (file: string, c: LineCheckpoint): Promise<void> => saveTensors(file, c);

export const loadLineCheckpoint = (file: string): LineCheckpoint => loadTensors<LineCheckpoint>(file);
