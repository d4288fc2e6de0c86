// Running the container tools (buildah, podman, debootstrap) as child processes, each failure one line that says what
// failed, with the tool's last words.
import { spawn } from 'node:child_process';

/** A check that failed or a step that could not be done: image-test prints its message as one line and exits 1. */
export class ImageTestError extends Error {}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Run at lower priority: the machine's cores are shared. */
  nice?: boolean;
  cwd?: string;
  /** Also copy the tool's output to this process's stderr as it comes (a long build shows its progress). */
  echo?: boolean;
}

export function exec(command: string, args: string[], opts: ExecOptions = {}): Promise<Result> {
  const [cmd, argv] = opts.nice ? ['nice', ['-n', '10', command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      if (opts.echo) process.stderr.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      if (opts.echo) process.stderr.write(d);
    });
    child.on('error', (err) => reject(new ImageTestError(`${command}: ${err.message}`)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The last non-empty line a tool wrote, for a one-line failure message. */
export const lastLine = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1) ?? '(no output)';

/** Runs a command that must succeed; its stdout, trimmed. */
export async function must(what: string, command: string, args: string[], opts: ExecOptions = {}): Promise<string> {
  const r = await exec(command, args, opts);
  if (r.code !== 0) throw new ImageTestError(`${what} failed (${command} exit ${r.code}): ${lastLine(r.stderr || r.stdout)}`);
  return r.stdout.trim();
}

/** podman with the runtime and limits that work on these machines (runc: crun fails on hybrid cgroups; without
 * explicit ulimits, setrlimit is refused). */
export const podman = (args: string[], opts: ExecOptions = {}) => exec('podman', ['--runtime', 'runc', ...args], opts);
export const mustPodman = (what: string, args: string[], opts: ExecOptions = {}) =>
  must(what, 'podman', ['--runtime', 'runc', ...args], opts);
export const RUN_LIMITS = ['--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096'];

const started = performance.now();
/** A progress line, with the seconds since image-test started (where a slow run spent its time). */
export const log = (message: string) =>
  console.log(`image-test [${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s]: ${message}`);
