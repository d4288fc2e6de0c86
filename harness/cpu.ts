// CPU time a server spends, for the benchmarks: req/s on a shared VM swings with its neighbours, while the CPU a request
// costs the server swings much less, and it is what a throughput goal on fixed cores comes down to.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** User + system CPU seconds of process `pid` and its children (the cluster's workers) so far, from Linux's /proc;
 * undefined where there is no /proc. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    let ticks = 0;
    for (const id of [pid, ...children]) {
      // Fields after the command's closing parenthesis: state is the first, utime and stime the 12th and 13th.
      const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
