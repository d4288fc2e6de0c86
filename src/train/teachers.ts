// Distillation (Hinton, Vinyals and Dean, 2015): the student learns from what trained models read in each picture as
// well as from its label. The teachers are models of the served contract (image → probabilities); their mean on the
// very picture the student is shown, distortions and all, is mixed into that digit's target. A non-digit keeps its
// uniform target: it has no reading to learn.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { batchShape, CLASSES, INPUT_DESCRIPTION, INPUT_NAME, PIXELS, PROBABILITIES } from '../model/input-contract.js';
import { openSession, type Device } from '../model/session.js';
import type { Batch } from './batch.js';

export interface Teacher {
  file: string;
  /** The model's sha256: a run reproduces only with the very same teachers, so a different file is refused. */
  sha256: string;
}

export interface Distillation {
  teachers: Teacher[];
  /** Share of each digit's target that is the teachers' mean probabilities; the rest is its one-hot label. */
  weight: number;
}

/** A teacher that cannot be used: missing, not the pinned file, or not an image → probabilities model. */
export class TeacherError extends Error {}

const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A teacher pinned to the file as it is now. */
export function pinTeacher(file: string): Teacher {
  return { file, sha256: sha256Of(readTeacher(file)) };
}

/** Bigger than any model this trainer could learn from in memory: the file is refused before it is read. */
const MAX_TEACHER_BYTES = 512 * 2 ** 20;

function readTeacher(file: string): Uint8Array {
  try {
    const size = statSync(file).size;
    if (size > MAX_TEACHER_BYTES)
      throw new TeacherError(
        `teacher ${file}: ${(size / 2 ** 20).toFixed(0)} MiB, over the ${MAX_TEACHER_BYTES / 2 ** 20} MiB a teacher may be`,
      );
    return readFileSync(file);
  } catch (err) {
    if (err instanceof TeacherError) throw err;
    throw new TeacherError(
      `teacher ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
}

/** One blank picture through the teacher: it must take the served input contract and give ten probabilities. */
async function probe(session: ort.InferenceSession, file: string): Promise<void> {
  let dims: readonly number[];
  try {
    const out = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', new Float32Array(PIXELS), batchShape(1)) }, [PROBABILITIES]);
    dims = out[PROBABILITIES].dims;
  } catch (err) {
    throw new TeacherError(`teacher ${file} does not take ${INPUT_DESCRIPTION}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (dims.length !== 2 || dims[0] !== 1 || dims[1] !== CLASSES) {
    throw new TeacherError(`teacher ${file} gives ${PROBABILITIES} of shape [${dims.join(',')}] for one picture, not [1,${CLASSES}]`);
  }
}

export interface Teachers {
  /** Rewrites the target of every digit in the batch as (1 − weight) × its one-hot row + weight × the teachers' mean. */
  soften(batch: Batch): Promise<void>;
  close(): Promise<void>;
}

export async function openTeachers(distillation: Distillation, device: Device): Promise<Teachers> {
  const { teachers, weight } = distillation;
  const sessions: ort.InferenceSession[] = [];
  try {
    for (const teacher of teachers) {
      const bytes = readTeacher(teacher.file);
      const actual = sha256Of(bytes);
      if (actual !== teacher.sha256) {
        throw new TeacherError(
          `teacher ${teacher.file} has sha256 ${actual.slice(0, 12)}…, the recipe pins ${teacher.sha256.slice(0, 12)}…: a different teacher would train a different student`,
        );
      }
      // One thread each: the gradient shards already have the cores.
      const { session } = await openSession(bytes, device, { threads: 1 }).catch((err: unknown) => {
        throw new TeacherError(`teacher ${teacher.file} is not a model ONNX Runtime can open: ${(err as Error).message.split('\n')[0]}`);
      });
      sessions.push(session);
      if (!session.inputNames.includes(INPUT_NAME) || !session.outputNames.includes(PROBABILITIES)) {
        throw new TeacherError(
          `teacher ${teacher.file} is not an ${INPUT_NAME} → ${PROBABILITIES} model (inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')})`,
        );
      }
      await probe(session, teacher.file);
    }
  } catch (err) {
    await Promise.all(sessions.map((s) => s.release()));
    throw err;
  }
  let sum = new Float64Array(0); // kept from batch to batch
  return {
    async soften(batch) {
      const { n, image, target, digits } = batch;
      if (sum.length < n * CLASSES) sum = new Float64Array(n * CLASSES);
      else sum.fill(0, 0, n * CLASSES);
      for (const session of sessions) {
        const out = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', image, batchShape(n)) }, [PROBABILITIES]);
        const p = out[PROBABILITIES].data as Float32Array;
        for (let i = 0; i < n * CLASSES; i++) sum[i] += p[i];
      }
      for (let i = 0; i < n; i++) {
        if (digits[i] >= CLASSES) continue;
        for (let c = 0; c < CLASSES; c++) {
          const at = i * CLASSES + c;
          target[at] = (1 - weight) * (c === digits[i] ? 1 : 0) + (weight * sum[at]) / sessions.length;
        }
      }
    },
    close: async () => void (await Promise.all(sessions.map((s) => s.release()))),
  };
}
