// Run on a pool thread by offload(): a full GC of that thread's heap, which the test's own gc() does not reach, so that
// what RSS shows after it is memory held, not garbage waiting for the thread's next collection.
export default function collect(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  // Held a moment, so that tasks sent together land on different threads.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30);
  return gc !== undefined;
}
