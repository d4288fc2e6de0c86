// Configuration from the environment: defaults that work on a laptop, and a bad value named with what is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/server/config.js';

describe('configuration errors', () => {
  it('names every bad variable with the value it had', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', EXECUTION_PROVIDER: 'tpu', QUEUE_MAX: '0' }),
      (err) =>
        err instanceof ConfigError &&
        /PORT="eighty"/.test(err.message) &&
        /EXECUTION_PROVIDER="tpu"/.test(err.message) &&
        /QUEUE_MAX="0"/.test(err.message),
    );
  });

  it('a secret shorter than 16 characters is refused; an empty one is off', () => {
    assert.throws(() => loadConfig({ API_KEY: 'short' }), /API_KEY="short": must be at least 16 characters/);
    assert.equal(loadConfig({ ADMIN_TOKEN: '' }).ADMIN_TOKEN, undefined);
  });
});
