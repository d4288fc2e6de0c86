// The WebAssembly in src/imaging/png-rows-wasm.ts is built from assembly/png-rows.ts by `npm run build:wasm`,
// and the build is reproducible: compiling the source again gives the committed bytes.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { compileWasm } from '../harness/wasm-build.js';
import { PNG_ROWS_WASM } from '../src/imaging/png-rows-wasm.js';

it('the committed WebAssembly is what `npm run build:wasm` makes from assembly/png-rows.ts', async () => {
  const built = Buffer.from(await compileWasm());
  assert.ok(built.equals(PNG_ROWS_WASM), 'png-rows-wasm.ts is stale: run npm run build:wasm and commit it');
});
