// The WebAssembly in src/imaging/kernels-wasm.ts is built from assembly/ by `npm run build:wasm`,
// and the build is reproducible: compiling the source again gives the committed bytes.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { compileWasm } from '../harness/wasm-build.js';
import { KERNELS_WASM } from '../src/imaging/kernels-wasm.js';

it('the committed WebAssembly is what `npm run build:wasm` makes from assembly/', async () => {
  const built = Buffer.from(await compileWasm());
  assert.ok(built.equals(KERNELS_WASM), 'kernels-wasm.ts is stale: run npm run build:wasm and commit it');
});
