// What `npm start` prints: one short line per event for a person at a terminal (LOG_FORMAT=pretty, or auto on a TTY),
// JSON lines when piped (auto) or asked for (LOG_FORMAT=json), which the other tests and log collectors parse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/server/config.js';
import { humanLine, resolveLogFormat } from '../src/server/log.js';
import { startService } from '../harness/service.js';

describe('log format', () => {
  it('auto is pretty on a terminal and JSON on a pipe; LOG_FORMAT is validated', () => {
    assert.equal(resolveLogFormat('auto', true), 'pretty');
    assert.equal(resolveLogFormat('auto', false), 'json');
    assert.equal(resolveLogFormat('json', true), 'json');
    assert.equal(loadConfig({}).LOG_FORMAT, 'auto');
    assert.throws(() => loadConfig({ LOG_FORMAT: 'xml' }), /LOG_FORMAT/);
  });

  it('a request is one line: method, URL, status and time', () => {
    const line = humanLine({
      level: 30,
      msg: 'request completed',
      req: { method: 'POST', url: '/predict' },
      res: { statusCode: 200 },
      responseTime: 3.4,
    });
    assert.equal(line, 'POST /predict → 200 in 3 ms');
    assert.equal(humanLine({ level: 30, msg: 'draining every worker', signal: 'SIGTERM', pid: 7 }), 'draining every worker signal=SIGTERM');
  });

  it('LOG_FORMAT=pretty with two workers: short lines, "no GPU, using CPU" once, the ready line, and "stopped" last', async () => {
    const service = await startService({ LOG_FORMAT: 'pretty', WORKERS: '2', EXECUTION_PROVIDER: 'auto' });
    await fetch(`${service.url}/health`);
    // Both workers up (the primary's ready line) before the signal: one answering is enough for startService.
    for (let i = 0; i < 300 && !service.log().includes('ready: open'); i++) await new Promise((r) => setTimeout(r, 100));
    service.child.kill('SIGTERM');
    assert.equal(await service.exited, 0);
    const lines = service.log().trim().split('\n');
    for (const line of lines) {
      assert.doesNotMatch(line, /^\{/, `not JSON: ${line}`);
      assert.ok(line.length <= 140, `short: ${line}`);
    }
    assert.equal(lines.filter((l) => l.includes('no GPU, using CPU')).length, 1, service.log());
    assert.ok(
      lines.some((l) => /ready: open http:\/\/\S+ to draw a digit/.test(l)),
      service.log(),
    );
    assert.ok(!lines.some((l) => l.includes('Server listening')), 'one ready line, not one per address per worker');
    assert.match(lines.at(-1)!, /INFO: stopped/);
  });

  it('piped, by default: JSON lines with every field', async () => {
    const service = await startService({ EXECUTION_PROVIDER: 'auto' });
    service.child.kill('SIGTERM');
    assert.equal(await service.exited, 0);
    const records = service
      .log()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.ok(
      records.some((r) => r.msg === 'no GPU, using CPU' && /CUDA|GPU|nvidia/i.test(r.reason)),
      service.log(),
    );
    assert.equal(records.at(-1).msg, 'stopped');
  });
});
