// WORKERS=auto: one process per CPU the service may use — the cores, capped by a cgroup CPU quota — and one on a GPU.
// Fake cgroup trees check every layout (test/cpu-budget.test.ts starts the service under a real quota).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cpuBudget, cpuQuota } from '../../src/server/cpu-budget.js';
import { ConfigError, loadConfig } from '../../src/server/config.js';

/** A cgroup filesystem in a temporary folder: { 'relative/file': contents }. */
function fakeCgroups(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'cgroup-'));
  for (const [file, contents] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), contents);
  }
  return root;
}

describe('cpuQuota reads cgroup v2 and v1', () => {
  it('v2: the quota of this process’s cgroup, or the smaller of a parent’s', () => {
    const root = fakeCgroups({ 'cpu.max': 'max 100000\n', 'kubepods/pod1/cpu.max': '150000 100000\n' });
    assert.equal(cpuQuota({ root, self: '0::/kubepods/pod1\n' }), 1.5);
    const capped = fakeCgroups({ 'kubepods/cpu.max': '50000 100000', 'kubepods/pod1/cpu.max': '400000 100000' });
    assert.equal(cpuQuota({ root: capped, self: '0::/kubepods/pod1' }), 0.5);
  });

  it('v2: "max" everywhere is no quota; a namespaced container reads its own root', () => {
    assert.equal(cpuQuota({ root: fakeCgroups({ 'cpu.max': 'max 100000' }), self: '0::/' }), undefined);
    assert.equal(cpuQuota({ root: fakeCgroups({ 'cpu.max': '200000 100000' }), self: '0::/' }), 2);
    // Not namespaced: the path names a cgroup this mount does not show; the walk reaches the root.
    assert.equal(cpuQuota({ root: fakeCgroups({ 'cpu.max': '100000 100000' }), self: '0::/docker/abc' }), 1);
  });

  it('v1: cfs_quota_us / cfs_period_us under cpu or cpu,cpuacct; -1 is no quota', () => {
    const self = '4:memory:/x\n3:cpu,cpuacct:/docker/abc\n0::/\n';
    const v1 = fakeCgroups({ 'cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '250000', 'cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000' });
    assert.equal(cpuQuota({ root: v1, self }), 2.5);
    const none = fakeCgroups({ 'cpu/cpu.cfs_quota_us': '-1', 'cpu/cpu.cfs_period_us': '100000' });
    assert.equal(cpuQuota({ root: none, self: '1:cpu:/\n0::/\n' }), undefined);
  });

  it('no cgroup files at all: no quota', () => {
    assert.equal(cpuQuota({ root: fakeCgroups({}), self: '' }), undefined);
  });
});

describe('WORKERS=auto', () => {
  it('whole CPUs: the cores, capped by the quota rounded down, at least one', () => {
    assert.equal(cpuBudget(2, undefined), 2);
    assert.equal(cpuBudget(2, 1), 1);
    assert.equal(cpuBudget(2, 1.5), 1);
    assert.equal(cpuBudget(16, 4), 4);
    assert.equal(cpuBudget(2, 8), 2);
    assert.equal(cpuBudget(8, 0.5), 1);
  });

  it('one process per CPU on a CPU host, one on a GPU, a number as set', () => {
    assert.equal(loadConfig({}, { cpus: 4, gpu: false }).WORKERS, 4);
    assert.equal(loadConfig({ WORKERS: 'auto' }, { cpus: 4, gpu: true }).WORKERS, 1);
    assert.equal(loadConfig({ WORKERS: '3' }, { cpus: 1, gpu: false }).WORKERS, 3);
    assert.throws(() => loadConfig({ WORKERS: 'many' }), ConfigError);
  });

  it('preprocessing threads: the CPUs plus one shared out, none once there is a process per CPU, or as set', () => {
    assert.equal(loadConfig({ WORKERS: '1' }, { cpus: 2, gpu: false }).PREPROCESS_THREADS, 3);
    assert.equal(loadConfig({}, { cpus: 2, gpu: false }).PREPROCESS_THREADS, 0);
    assert.equal(loadConfig({ WORKERS: '1' }, { cpus: 1, gpu: false }).PREPROCESS_THREADS, 0);
    assert.equal(loadConfig({}, { cpus: 4, gpu: true }).PREPROCESS_THREADS, 5);
    assert.equal(loadConfig({ PREPROCESS_THREADS: '2' }, { cpus: 2, gpu: false }).PREPROCESS_THREADS, 2);
  });
});
