// Reload signals never stop the service: a process still starting survives SIGHUP (and reloads once it is up), a
// SIGHUP while the cluster replaces a worker leaves every worker serving the new model, a replacement worker that
// cannot start leaves the others serving, and /admin/reload answers once every worker has the new model.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { loadMnist } from '../src/train/mnist.js';
import { variants } from '../src/synth/mnist-pictures.js';
import { modelDir, replaceModel } from './helpers/models.js';
import { catches, startService, type Service } from '../harness/service.js';

const { test: mnist } = loadMnist();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SIGHUP = 1;
const token = 'signals-admin-token-0123';

/** Pids of the workers that logged "Server listening", in order. */
const listening = (service: Service) =>
  service
    .log()
    .split('\n')
    .filter((line) => line.includes('Server listening'))
    .map((line) => JSON.parse(line).pid as number);

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (await ok()) return;
  assert.fail(`timed out waiting for ${what}`);
}

const predict = async (service: Service, png: Buffer) =>
  (await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) })).status;

describe('reload signals', () => {
  it('a single process survives SIGHUP all through its start, and reloads once it is up', async () => {
    let hups = 0;
    let caughtAfterMs = 0;
    let starting = true;
    const pester = async (child: ChildProcess) => {
      const spawned = performance.now();
      // From the moment the handler is installed, a SIGHUP every 20 ms until the service is ready.
      while (child.exitCode === null && !(await catches(child.pid!, SIGHUP))) await sleep(2);
      caughtAfterMs = performance.now() - spawned;
      while (starting && child.exitCode === null) {
        child.kill('SIGHUP');
        hups++;
        await sleep(20);
      }
    };
    const service = await startService({ LOG_LEVEL: 'info' }, { onSpawn: (child) => void pester(child) });
    starting = false;
    try {
      assert.ok(hups >= 3, `only ${hups} SIGHUPs reached the starting process`);
      assert.equal(service.child.exitCode, null);
      await until('the held reload', () => /model reloaded/.test(service.log()));
      assert.equal(await predict(service, await variants.plain(mnist, 0)), 200);
      console.log(`SIGHUP handler installed ${caughtAfterMs.toFixed(0)} ms after spawn; ${hups} SIGHUPs during the start`);
    } finally {
      service.child.kill('SIGTERM');
    }
    assert.equal(await service.exited, 0);
  });

  it('WORKERS=2: SIGHUP and /admin/reload while a killed worker is being replaced; every worker ends on the new model', async () => {
    const { modelPath, other } = modelDir();
    const service = await startService({ WORKERS: '2', MODEL_PATH: modelPath, ADMIN_TOKEN: token });
    const png = await variants.plain(mnist, 0);
    try {
      await until('two workers', () => listening(service).length >= 2);
      replaceModel(modelPath, other);
      process.kill(listening(service)[0], 'SIGKILL');
      // The replacement is starting now: signal the primary at once and again through the replacement's start.
      for (const wait of [100, 300, 300]) {
        await sleep(wait);
        service.child.kill('SIGHUP');
      }
      assert.equal(await predict(service, png), 200, 'the surviving worker serves meanwhile');
      const reload = await fetch(`${service.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).catch(
        (err) => {
          throw new Error(`${err.cause ?? err}\n${service.log().slice(-3000)}`);
        },
      );
      const body = await reload.json();
      assert.equal(reload.status, 200, JSON.stringify(body));
      assert.equal(body.model.version, 'reload-test');
      assert.equal(new Set(body.workers).size, 2, 'the answer names both workers');
      assert.equal(service.child.exitCode, null, 'the primary is still running');
      // The replacement's "Server listening" line comes through the pipe, maybe after the answer it took part in.
      await until('the replacement listening', () => listening(service).length >= 3, 10_000);
      assert.equal(listening(service).length, 3);
      // Every answer, whichever worker gives it, comes from the new model.
      for (let i = 0; i < 20; i++) {
        const answer = await fetch(`${service.url}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'image/png', connection: 'close' },
          body: new Uint8Array(png),
        });
        assert.equal((await answer.json()).model.version, 'reload-test');
      }
    } finally {
      service.child.kill('SIGTERM');
    }
    assert.equal(await service.exited, 0);
  });

  it('WORKERS=2: a replacement that cannot start is retried while the other worker serves; /admin/reload says who lags', async () => {
    const { modelPath } = modelDir();
    const service = await startService({ WORKERS: '2', MODEL_PATH: modelPath, ADMIN_TOKEN: token });
    const png = await variants.plain(mnist, 0);
    try {
      await until('two workers', () => listening(service).length >= 2);
      const good = readFileSync(modelPath);
      writeFileSync(modelPath, 'not a model');
      process.kill(listening(service)[0], 'SIGKILL');
      await until('a failed replacement', () => /a replacement worker failed to start; trying again/.test(service.log()));
      assert.equal(service.child.exitCode, null, 'the service did not stop');
      assert.equal(await predict(service, png), 200);
      // The surviving worker refuses the bad file itself: 422, and it keeps serving.
      const refused = await fetch(`${service.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      assert.equal(refused.status, 422);
      assert.doesNotMatch((await refused.json()).error.message, new RegExp(modelPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      replaceModel(modelPath, good);
      await until('a replacement that starts', () => listening(service).length >= 3);
      assert.equal(await predict(service, png), 200);
    } finally {
      service.child.kill('SIGTERM');
    }
    assert.equal(await service.exited, 0);
  });
});
