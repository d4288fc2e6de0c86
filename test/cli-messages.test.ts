// The command-line tools as a newcomer meets them: a model that is not there is one line and exit 1, not a stack, and
// the README's `npm run -s predict -- --json …` prints JSON alone, for a pipe.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { runCli } from './helpers/cli.js';

const run = promisify(execFile);

describe('command-line tools', () => {
  it('predict with a MODEL_PATH that does not exist: one line saying how to make it, exit 1', async () => {
    const result = await runCli('src/server/predict-cli.ts', ['examples/digit.png'], {
      env: { MODEL_PATH: '/tmp/lenet-nowhere/try.onnx' },
    });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /^error: cannot read model file \/tmp\/lenet-nowhere\/try\.onnx: ENOENT .*npm run train -- --out/);
  });

  it('calibrate with a model that does not exist: one line, exit 1', async () => {
    const result = await runCli('src/train/calibrate-cli.ts', ['/tmp/lenet-nowhere/try.onnx']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /^error: \/tmp\/lenet-nowhere\/try\.onnx: no such file/);
  });

  it('`npm run -s predict -- --json FILE` prints only JSON on stdout', async () => {
    const { stdout } = await run('npm', ['run', '-s', 'predict', '--', '--json', 'examples/digit.png']);
    const [result] = JSON.parse(stdout);
    assert.equal(result.file, 'examples/digit.png');
    assert.equal(result.digit, 7);
  });
});
