// `npm run build:wasm`: compiles assembly/ (AssemblyScript) to WebAssembly and writes the module's bytes into
// src/imaging/kernels-wasm.ts, so that tsc carries it into dist/ like any other module and every thread
// instantiates it without touching the file system.
import { writeFileSync } from 'node:fs';
import { compileWasm, moduleText, WASM_MODULE, WASM_SOURCE } from '../harness/wasm-build.js';

const wasm = await compileWasm();
writeFileSync(WASM_MODULE, moduleText(wasm));
console.log(`${WASM_MODULE}: ${wasm.length} bytes of WebAssembly from ${WASM_SOURCE}`);
