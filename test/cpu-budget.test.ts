// WORKERS=auto on this machine, as a process: a fresh start runs one server per CPU, and under a real cgroup with a
// 1-CPU quota (where we may make one) it runs one. The rules themselves: test/unit/cpu-budget.test.ts.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cpuBudget, cpuQuota } from '../src/server/cpu-budget.js';
import { startService } from '../harness/service.js';

describe('WORKERS=auto as a process', () => {
  /** Server processes of a started service: the process itself, or its cluster workers. */
  const serverProcesses = (pid: number) => {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return children === '' ? 1 : children.split(/\s+/).length;
  };

  it('a fresh start with WORKERS unset runs one process per CPU of this machine', async () => {
    const service = await startService({ WORKERS: '' });
    try {
      assert.equal(serverProcesses(service.child.pid!), cpuBudget(availableParallelism(), cpuQuota()));
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  // A real cgroup v1 CPU controller that we may write to (root on this kind of machine); elsewhere the fake trees above
  // stand in.
  const cpuController = '/sys/fs/cgroup/cpu';
  const writable =
    existsSync(path.join(cpuController, 'cgroup.procs')) &&
    (() => {
      try {
        const probe = path.join(cpuController, `lenet-probe-${process.pid}`);
        mkdirSync(probe);
        rmdirSync(probe);
        return true;
      } catch {
        return false;
      }
    })();

  it(
    'under a real 1-CPU quota the service starts one process',
    { skip: !writable && 'no writable cgroup v1 cpu controller here' },
    async () => {
      const group = path.join(cpuController, `lenet-test-${process.pid}`);
      mkdirSync(group);
      writeFileSync(path.join(group, 'cpu.cfs_quota_us'), '100000'); // period 100 ms: one CPU
      try {
        // The shell joins the cgroup, then becomes the service: the quota holds from the first instruction.
        const service = await startService(
          { WORKERS: '' },
          {
            command: '/bin/sh',
            args: ['-c', `echo $$ > ${group}/cgroup.procs && exec "${process.execPath}" --import tsx src/server/main.ts`],
          },
        );
        try {
          assert.equal(serverProcesses(service.child.pid!), 1);
        } finally {
          service.child.kill('SIGTERM');
          await service.exited;
        }
      } finally {
        rmdirSync(group);
      }
    },
  );
});
