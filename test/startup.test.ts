// The service as a process: start-up failures are a clear sentence and a non-zero exit; predict CLI works on files.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadMnist } from '../src/train/mnist.js';
import { runCli } from './helpers/cli.js';
import { variants } from '../src/synth/mnist-pictures.js';
import { fixedBatchModel } from './helpers/models.js';

const MAIN = 'src/server/main.ts';

describe('service start-up', () => {
  it('EXECUTION_PROVIDER=cuda without CUDA refuses to start and names the missing provider', async () => {
    const run = await runCli(MAIN, [], { env: { EXECUTION_PROVIDER: 'cuda', PORT: '0' } });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /cannot start: the CUDA execution provider could not be loaded/);
    assert.match(run.stderr, /libonnxruntime_providers_cuda/);
  });

  it('a missing model file is a clear error', async () => {
    const run = await runCli(MAIN, [], { env: { MODEL_PATH: '/nonexistent/lenet.onnx', PORT: '0' } });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /cannot start: cannot read model file \/nonexistent\/lenet\.onnx: ENOENT/);
  });

  it('with WORKERS=2 a worker that cannot start stops the whole service with the same error', async () => {
    const run = await runCli(MAIN, [], { env: { MODEL_PATH: '/nonexistent/lenet.onnx', PORT: '0', WORKERS: '2' } });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot start: cannot read model file \/nonexistent\/lenet\.onnx: ENOENT/);
    assert.match(run.stdout, /a worker failed to start; stopping/);
  });

  it('a corrupt model file is a clear error', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lenet-')), 'bad.onnx');
    writeFileSync(file, 'definitely not protobuf');
    const run = await runCli(MAIN, [], { env: { MODEL_PATH: file, EXECUTION_PROVIDER: 'cpu', PORT: '0' } });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /cannot start: .*bad\.onnx/);
  });

  it('a model whose batch dimension is fixed is refused with exit 1 and says why', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lenet-')), 'fixed.onnx');
    writeFileSync(file, fixedBatchModel(2));
    const run = await runCli(MAIN, [], { env: { MODEL_PATH: file, EXECUTION_PROVIDER: 'cpu', PORT: '0' } });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /cannot start: .*fixed\.onnx: input "image" has its batch dimension fixed at 2 \(\[2,1,28,28\]\); the batcher needs it free/,
    );
  });

  it('a busy port is one line and exit 1, before any model is loaded, alone and with WORKERS=2', async () => {
    const busy = createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const port = String((busy.address() as { port: number }).port);
    try {
      for (const WORKERS of ['1', '2']) {
        const run = await runCli(MAIN, [], { env: { PORT: port, HOST: '127.0.0.1', WORKERS, EXECUTION_PROVIDER: 'cpu' } });
        assert.equal(run.code, 1, run.stderr);
        assert.equal(
          run.stderr.trim(),
          `lenet-service cannot start: port ${port} on 127.0.0.1 is already in use (another lenet-service?); stop it or set PORT`,
        );
        assert.doesNotMatch(run.stdout, /model loaded/);
      }
    } finally {
      busy.close();
    }
  });

  it('a busy GRPC_PORT is one line and exit 1, alone and with WORKERS=2 (where the primary listens on it)', async () => {
    const busy = createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const port = String((busy.address() as { port: number }).port);
    try {
      for (const WORKERS of ['1', '2']) {
        const run = await runCli(MAIN, [], { env: { PORT: '0', GRPC_PORT: port, HOST: '127.0.0.1', WORKERS, EXECUTION_PROVIDER: 'cpu' } });
        assert.equal(run.code, 1, run.stderr);
        assert.equal(
          run.stderr.trim(),
          `lenet-service cannot start: GRPC_PORT ${port} on 127.0.0.1 is already in use (another lenet-service?); stop it, or set GRPC_PORT (0 turns gRPC off)`,
        );
      }
    } finally {
      busy.close();
    }
  });

  it('a bad environment value names the variable', async () => {
    const run = await runCli(MAIN, [], { env: { PORT: 'eighty', EXECUTION_PROVIDER: 'tpu' } });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /invalid configuration/);
    assert.match(run.stderr, /PORT="eighty"/);
    assert.match(run.stderr, /EXECUTION_PROVIDER="tpu"/);
  });
});

describe('predict CLI', () => {
  it('prints each file’s digit, and --json gives machine output', async () => {
    const { test } = loadMnist();
    const dir = mkdtempSync(path.join(tmpdir(), 'lenet-'));
    const files = [0, 1, 2].map((i) => path.join(dir, `d${i}.png`));
    for (const [i, f] of files.entries()) writeFileSync(f, await variants.inverted(test, i));
    const text = await runCli('src/server/predict-cli.ts', files);
    assert.equal(text.code, 0, text.stderr);
    for (const [i, f] of files.entries()) assert.match(text.stdout, new RegExp(`${f}: ${test.labels[i]} \\(`));
    const json = await runCli('src/server/predict-cli.ts', [...files, '--json']);
    const results = JSON.parse(json.stdout);
    assert.deepEqual(
      results.map((r: { digit: number }) => r.digit),
      [0, 1, 2].map((i) => test.labels[i]),
    );
  });

  it('a bad file fails with its reason and exit 1', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lenet-')), 'x.png');
    writeFileSync(file, 'nope');
    const run = await runCli('src/server/predict-cli.ts', [file]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /unsupported_image_format/);
  });
});
