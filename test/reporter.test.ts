// npm test's reporter on a pipe: a line per file as it finishes, each failure with its error, and the totals.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('test/reporter.mjs on a pipe', () => {
  it('prints one line per finished file, the failures, and the totals', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'reporter-'));
    writeFileSync(path.join(dir, 'a.test.mjs'), "import { it } from 'node:test';\nit('one', () => {});\nit('two', () => {});\n");
    writeFileSync(
      path.join(dir, 'b.test.mjs'),
      "import { it } from 'node:test';\nit('fine', () => {});\nit('broken', () => { throw new Error('boom'); });\n",
    );
    const reporter = path.resolve('test/reporter.mjs');
    // Without NODE_TEST_CONTEXT, which would make the child report to this runner instead of through the reporter.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const args = ['--test', '--test-concurrency=1', `--test-reporter=${reporter}`, 'a.test.mjs', 'b.test.mjs'];
    const result = await run(process.execPath, args, { cwd: dir, env }).catch((err: { stdout: string; code: number }) => err);
    const lines = result.stdout.split('\n');
    assert.match(lines[0], /^✓ a\.test\.mjs {2}2 passed {2}\(\d+\.\d s\)$/, result.stdout);
    assert.ok(
      lines.some((l) => /^✗ broken {2}\(b\.test\.mjs\)$/.test(l)),
      result.stdout,
    );
    assert.ok(
      lines.some((l) => /Error: boom/.test(l)),
      result.stdout,
    );
    assert.ok(
      lines.some((l) => /^✗ b\.test\.mjs {2}1 passed, 1 failed/.test(l)),
      result.stdout,
    );
    assert.equal(lines.filter(Boolean).at(-1), '3 passed, 1 failed');
  });
});
