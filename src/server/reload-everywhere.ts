// A reload by request (POST /admin/reload, gRPC RepositoryModelLoad): this process loads MODEL_PATH again and swaps it
// in, then, in a cluster, every other worker does too; the outcome says whether every one now serves the same file.
import path from 'node:path';
import { reloadOthers } from './cluster.js';
import { ModelLoadError, type LoadedModel } from './model.js';

export type ReloadOutcome =
  | { ok: true; model: LoadedModel; workers: number[] }
  /** rejected: the file on disk is the problem, and the previous model keeps serving; incomplete: some worker did not
   * take the new model. The message names the file by its base name: a client has no business learning our directories. */
  | { ok: false; why: 'rejected' | 'incomplete'; message: string };

export async function reloadEverywhere(reloadModel: () => Promise<LoadedModel>, modelPath: string): Promise<ReloadOutcome> {
  const withoutDirs = (message: string) => message.replaceAll(modelPath, path.basename(modelPath));
  let model;
  try {
    model = await reloadModel();
  } catch (err) {
    if (!(err instanceof ModelLoadError)) throw err;
    return { ok: false, why: 'rejected', message: `${withoutDirs(err.message)}; still serving the previous model` };
  }
  const { version, sha256 } = model.info;
  const others = await reloadOthers();
  const behind = others.filter((w) => !w.ok || w.sha256 !== sha256);
  if (behind.length > 0) {
    const why = behind.map(
      (w) => `worker ${w.pid}: ${w.ok ? `loaded a different file (sha256 ${w.sha256.slice(0, 12)}…)` : withoutDirs(w.error)}`,
    );
    const message = `this worker serves ${version} (sha256 ${sha256.slice(0, 12)}…), but ${behind.length} of ${others.length + 1} did not: ${why.join('; ')}`;
    return { ok: false, why: 'incomplete', message };
  }
  return { ok: true, model, workers: [process.pid, ...others.map((w) => w.pid)] };
}
