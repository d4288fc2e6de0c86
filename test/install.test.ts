// What a newcomer's first command prints: `npm ci` on a fresh copy of the project must not warn. npm reads its settings
// (an unknown .npmrc key warns), the lock and every package's engines (EBADENGINE: a dependency that wants a newer
// Node than the one running npm) before it writes anything, so a dry run in a temporary copy (without the build) sees these in seconds;
// .ci/run checks the real install's output on its fresh clone.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('npm ci on a fresh copy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lenet-install-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints no warning (no EBADENGINE on this Node, no unknown config)', { timeout: 120_000 }, async () => {
    for (const file of ['package.json', 'package-lock.json', '.npmrc']) {
      if (existsSync(file)) cpSync(file, join(dir, file));
    }
    const env = { ...process.env };
    for (const name of Object.keys(env)) {
      // The settings of the npm running this test (`npm test` exports npm_config_*) must not leak into the fresh copy.
      if (/^npm_/i.test(name)) delete env[name];
    }
    const { stdout, stderr } = await run('npm', ['ci', '--dry-run', '--ignore-scripts', '--prefer-offline'], {
      cwd: dir,
      env,
      maxBuffer: 16 << 20,
    });
    const output = `${stdout}\n${stderr}`;
    assert.deepEqual(
      output.split('\n').filter((line) => /\bwarn\b/i.test(line)),
      [],
      output,
    );
  });
});
