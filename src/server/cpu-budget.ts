// How many CPUs this process may really use: the cores it can be scheduled on, capped by a cgroup CPU quota (what
// `docker run --cpus` and a Kubernetes CPU limit set). Node 20's availableParallelism() does not read the quota, and a
// process per host core under a 2-CPU quota would thrash.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';

export interface CgroupFiles {
  /** Where the cgroup filesystems are mounted. */
  root: string;
  /** The contents of /proc/self/cgroup. */
  self: string;
}

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** This process's cgroup path for a v1 controller, or for v2 when `controller` is '' (the `0::/path` line). */
function cgroupPath(self: string, controller: string): string | undefined {
  for (const line of self.split('\n')) {
    const [, controllers, where] = /^\d+:([^:]*):(.*)$/.exec(line.trim()) ?? [];
    if (where === undefined) continue;
    if (controller === '' ? controllers === '' : controllers.split(',').includes(controller)) return where;
  }
  return undefined;
}

/**
 * The smallest quota from this process's cgroup up to the mount's root: a parent's limit binds its children too. In a
 * container with its own cgroup namespace the path is '/', and the walk reads the mount's root alone.
 */
function smallestQuota(mount: string, where: string, quotaAt: (dir: string) => number | undefined): number | undefined {
  let smallest: number | undefined;
  for (let dir = path.posix.normalize(where); ; dir = path.posix.dirname(dir)) {
    const quota = quotaAt(path.join(mount, dir));
    if (quota !== undefined) smallest = Math.min(smallest ?? Infinity, quota);
    if (dir === '/' || dir === '.') return smallest;
  }
}

/** The CPU quota in CPUs (1.5 = one and a half), or undefined when none is set. cgroup v2 first, then v1. */
export function cpuQuota(files: CgroupFiles = { root: '/sys/fs/cgroup', self: read('/proc/self/cgroup') ?? '' }): number | undefined {
  const v2 = cgroupPath(files.self, '');
  if (v2 !== undefined) {
    // cpu.max: "<quota> <period>" in µs, or "max <period>" for no limit. On a v1/v2 hybrid host it may be absent.
    const quota = smallestQuota(files.root, v2, (dir) => {
      const [max, period] = (read(path.join(dir, 'cpu.max')) ?? '').split(/\s+/);
      return max && max !== 'max' && Number(period) > 0 ? Number(max) / Number(period) : undefined;
    });
    if (quota !== undefined) return quota;
  }
  const v1 = cgroupPath(files.self, 'cpu');
  if (v1 === undefined) return undefined;
  for (const mount of ['cpu', 'cpu,cpuacct', 'cpuacct,cpu']) {
    const quota = smallestQuota(path.join(files.root, mount), v1, (dir) => {
      const us = Number(read(path.join(dir, 'cpu.cfs_quota_us')));
      const period = Number(read(path.join(dir, 'cpu.cfs_period_us')));
      return us > 0 && period > 0 ? us / period : undefined; // -1: no limit
    });
    if (quota !== undefined) return quota;
  }
  return undefined;
}

/**
 * Whole CPUs this process may keep busy: the schedulable cores, capped by the quota rounded down (a 1.5-CPU quota
 * keeps one process busy, not two at three quarters each, as Go's automaxprocs does), and at least one.
 */
export function cpuBudget(cores = availableParallelism(), quota = cpuQuota()): number {
  return Math.max(1, Math.min(cores, quota === undefined ? cores : Math.floor(quota)));
}
