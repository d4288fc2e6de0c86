// A server as a real process on a free port: the service from source by default, or any command (the benchmarks'
// baselines, the built service). Ready when `ready(url)` says so: for the service, /health/ready answers 200.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

export interface Service {
  child: ChildProcess;
  url: string;
  /** Everything the process has logged so far (JSON lines). */
  log(): string;
  exited: Promise<number | null>;
}

/** A port nobody listens on right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export interface StartOptions {
  command?: string;
  args?: string[];
  ready?: (url: string) => Promise<boolean>;
  /** Listen on this port (a replacement taking over its predecessor's) instead of a free one. */
  port?: number;
  /** Called as soon as the process is spawned, before it is ready. */
  onSpawn?: (child: ChildProcess) => void;
}

const serviceReady = (url: string) => fetch(`${url}/health/ready`).then((r) => r.ok);

/** The environment a test's service starts with, before the test's own variables. */
const serviceDefaults = (port: number) => ({
  PORT: String(port),
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  EXECUTION_PROVIDER: 'cpu',
  // One server process unless a test asks for more: WORKERS=auto would fork one per core.
  WORKERS: process.env.WORKERS ?? '1',
  // No gRPC port unless a test asks for one: services started side by side would all want the default 8081.
  GRPC_PORT: '0',
});

export async function startService(env: Record<string, string> = {}, opts: StartOptions = {}): Promise<Service> {
  // A free port is free when asked, not when the child binds it: any process's outgoing connection may take it between.
  // So a child that exits for want of the port gets another (the kernel's pick again), twice at most.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(env, opts);
    } catch (err) {
      if (opts.port !== undefined || attempt === 3 || !(err instanceof PortTaken)) throw err;
    }
  }
}

class PortTaken extends Error {}

async function startOnce(env: Record<string, string>, opts: StartOptions): Promise<Service> {
  const { command = process.execPath, args = ['--import', 'tsx', 'src/server/main.ts'], ready = serviceReady, onSpawn } = opts;
  const port = opts.port ?? (await freePort());
  const child = spawn(command, args, {
    env: { ...process.env, ...serviceDefaults(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onSpawn?.(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  // 'exit' can come before the last of the output has been read from the pipes: `exited` waits for both to end too
  // (at most 5 s: a stray grandchild may hold them open), so that a test reading the log after it reads all of it.
  const ended = (stream: NodeJS.ReadableStream) => new Promise((r) => stream.once('close', r));
  const outputEnded = Promise.all([ended(child.stdout!), ended(child.stderr!)]);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      const timer = setTimeout(() => resolve(code), 5000);
      void outputEnded.then(() => {
        clearTimeout(timer);
        resolve(code);
      });
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600 && child.exitCode === null; i++) {
    if (await ready(url).catch(() => false)) return { child, url, log: () => output, exited };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL'); // never leave a stray server holding the test runner open
  await exited;
  const message = `${[command, ...args].join(' ')} did not become ready:\n${output}`;
  throw /EADDRINUSE/.test(output) ? new PortTaken(message) : new Error(message);
}

/** Resident memory of a process, in bytes (Linux). */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** Whether a process has a handler installed for a signal (Linux: SigCgt in /proc/PID/status). */
export async function catches(pid: number, signal: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const mask = /SigCgt:\s+([0-9a-f]+)/.exec(status)?.[1];
  return mask !== undefined && (BigInt(`0x${mask}`) & (1n << BigInt(signal - 1))) !== 0n;
}
