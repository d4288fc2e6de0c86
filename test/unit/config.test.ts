// Configuration from the environment: defaults that work on a laptop, and a bad value named with what is wrong.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/server/config.js';

describe('configuration defaults', () => {
  const cores = availableParallelism();
  it('preprocessing threads: the cores plus one shared out, none once there is a process per core, or as set', () => {
    assert.equal(loadConfig({}).PREPROCESS_THREADS, Math.min(8, cores + 1));
    assert.equal(loadConfig({ WORKERS: String(cores) }).PREPROCESS_THREADS, 0);
    assert.equal(loadConfig({ WORKERS: String(cores + 1) }).PREPROCESS_THREADS, 0);
    assert.equal(loadConfig({ WORKERS: String(cores), PREPROCESS_THREADS: '2' }).PREPROCESS_THREADS, 2);
  });
});

describe('configuration errors', () => {
  it('names every bad variable with the value it had', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', EXECUTION_PROVIDER: 'tpu', QUEUE_MAX: '0' }),
      (err) => err instanceof ConfigError && /PORT="eighty"/.test(err.message) && /EXECUTION_PROVIDER="tpu"/.test(err.message) && /QUEUE_MAX="0"/.test(err.message),
    );
  });

  it('a secret shorter than 16 characters is refused; an empty one is off', () => {
    assert.throws(() => loadConfig({ API_KEY: 'short' }), /API_KEY="short": must be at least 16 characters/);
    assert.equal(loadConfig({ ADMIN_TOKEN: '' }).ADMIN_TOKEN, undefined);
  });
});
