// `npm test`'s reporter: node's spec reporter on a terminal; elsewhere (CI, a pipe) one line per test file as it
// finishes (so a run of several minutes shows progress), each failure with its error, and one closing line
// "N passed, N failed", instead of ~900 lines of TAP. Plain JavaScript: node loads reporters before --import hooks such
// as tsx.
import process from 'node:process';
import { Readable } from 'node:stream';
import { spec } from 'node:test/reporters';

/** @param {AsyncIterable<{ type: string, data: any }>} source */
export default async function* reporter(source) {
  if (process.stdout.isTTY) {
    yield* Readable.from(source).pipe(new spec());
    return;
  }
  const started = Date.now();
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let todo = 0; // tests marked todo that fail: known, reported, not counted as failures (node's exit code agrees)
  // Results come children first, so a result that follows a deeper one closes a suite or a file: only leaves count
  // (and a skipped suite, once).
  let previousNesting = -1;
  const relative = (file) => (file ? file.replace(`${process.cwd()}/`, '') : '');
  let lastFileAt = started; // npm test runs one file at a time: the time since the last file is this one's, start-up included
  for await (const { type, data } of source) {
    // Each file's own summary (node runs each file in its own process): its counts and time, as soon as it is done.
    if (type === 'test:summary' && data.file) {
      const { passed: p, failed: f, skipped: s, cancelled: c } = data.counts;
      const counts = [`${p} passed`, f && `${f} failed`, c && `${c} cancelled`, s && `${s} skipped`].filter(Boolean).join(', ');
      yield `${f || c ? '✗' : '✓'} ${relative(data.file)}  ${counts}  (${((Date.now() - lastFileAt) / 1000).toFixed(1)} s)\n`;
      lastFileAt = Date.now();
      continue;
    }
    if (type !== 'test:pass' && type !== 'test:fail') continue;
    const leaf = previousNesting <= data.nesting && (data.details.type !== 'suite' || data.skip !== undefined);
    previousNesting = data.nesting;
    if (!leaf) continue;
    if (type === 'test:pass') {
      if (data.skip !== undefined || data.todo !== undefined) skipped++;
      else passed++;
      continue;
    }
    if (data.todo !== undefined) {
      todo++;
      yield `… todo, still failing: ${data.name}  (${relative(data.file)})\n`;
      continue;
    }
    failed++;
    const { error } = data.details;
    const cause = error.cause instanceof Error ? error.cause : error;
    const where = relative(data.file);
    const stack = (cause.stack ?? String(cause)).split('\n').slice(0, 12).join('\n    ');
    yield `✗ ${data.name}  (${where})\n    ${stack}\n`;
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const aside = [skipped && `${skipped} skipped`, todo && `${todo} todo still failing`].filter(Boolean).join(', ');
  yield `\n${aside ? `${aside}; ` : ''}${passed + failed + skipped + todo} tests in ${seconds} s\n`;
  yield `${passed} passed, ${failed} failed\n`;
}
