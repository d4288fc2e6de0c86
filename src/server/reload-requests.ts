// How requests to reload the model reach this process: SIGHUP, and in a cluster worker the primary's IPC message. Both
// are listened for from the first module main.ts loads, before the app exists: SIGHUP's default action ends a process,
// so a reload signalled while the service starts would otherwise kill it. A request that arrives before the app is ready
// is held and carried out once it is (the model loaded at start may have been read before the new file was written).
// No imports: this module must be cheap to load first.

/** One worker's answer to a reload request. */
export type ReloadResult = { pid: number; ok: true; sha256: string; version: string } | { pid: number; ok: false; error: string };

/** What the primary and a worker tell each other about reloads over the cluster's IPC channel. */
export type ReloadMessage =
  | { type: 'lenet:reload'; id: number } // primary → worker: reload, then answer
  | { type: 'lenet:reload-result'; id: number; result: ReloadResult } // worker → primary
  | { type: 'lenet:reload-others'; id: number; results?: ReloadResult[] }; // worker → primary (id only), and back with every other worker's result

export const isReloadMessage = (m: unknown): m is ReloadMessage =>
  typeof m === 'object' && m !== null && String((m as ReloadMessage).type).startsWith('lenet:reload');

let reloadSelf: (() => Promise<ReloadResult>) | undefined;
let signalled = false;
const asked: number[] = [];

function answer(id: number): void {
  void reloadSelf!().then((result) => process.send?.({ type: 'lenet:reload-result', id, result } satisfies ReloadMessage));
}

process.on('SIGHUP', () => {
  if (reloadSelf) void reloadSelf();
  else signalled = true;
});
process.on('message', (message: unknown) => {
  if (!isReloadMessage(message) || message.type !== 'lenet:reload') return;
  if (reloadSelf) answer(message.id);
  else asked.push(message.id);
});

/** From now on reload requests run `reload`; any that came while the app was starting run now. */
export function onReloadRequest(reload: () => Promise<ReloadResult>): void {
  reloadSelf = reload;
  if (signalled && asked.length === 0) void reload();
  signalled = false;
  for (const id of asked.splice(0)) answer(id);
}
