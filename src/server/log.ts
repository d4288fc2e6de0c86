// The service's logger: pino's JSON lines for machines (a pipe, a container's log collector, LOG_FORMAT=json), and one
// short line per event for a person at a terminal (LOG_FORMAT=pretty, or auto on a TTY), through pino-pretty in this
// thread, synchronously, so that the last line before an exit is written.
import process from 'node:process';
import { pino, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';

export type LogFormat = 'auto' | 'pretty' | 'json';

/** `auto`: pretty when stdout is a terminal (`npm start` by hand), JSON otherwise. */
export const resolveLogFormat = (format: LogFormat, isTTY = process.stdout.isTTY === true): 'pretty' | 'json' =>
  format === 'auto' ? (isTTY ? 'pretty' : 'json') : format;

/** Fields a person at a terminal does not need on every line (JSON keeps them all). */
const QUIET = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'msg',
  'role',
  'reqId',
  'req',
  'res',
  'responseTime',
  'err',
  'model',
  'reason',
  'v8Flags',
  'url',
  'executionProvider',
  'port',
]);

/** One event as one line: a request as "POST /predict → 200 in 3 ms", anything else as its message and its short fields. */
export function humanLine(log: Record<string, unknown>, messageKey = 'msg'): string {
  const req = log.req as { method?: string; url?: string } | undefined;
  const res = log.res as { statusCode?: number } | undefined;
  if (req?.method && res?.statusCode !== undefined) {
    return `${req.method} ${req.url} → ${res.statusCode} in ${Math.round(Number(log.responseTime ?? 0))} ms`;
  }
  const fields = Object.entries(log)
    .filter(([key, value]) => !QUIET.has(key) && key !== messageKey && value !== null && typeof value !== 'object')
    .map(([key, value]) => `${key}=${value}`);
  const err = log.err as { message?: string } | undefined;
  return [String(log[messageKey] ?? ''), ...fields, ...(err?.message ? [`: ${err.message}`] : [])].join(' ');
}

/** Fastify's "Server listening at …" lines (one per address per process): at debug on a terminal, where the ready
 * line says where to go. */
const demoteListening: LoggerOptions['hooks'] = {
  logMethod(args, method, level) {
    if (level === 30 && typeof args[0] === 'string' && args[0].startsWith('Server listening at')) {
      (this as Logger).debug(...(args as [string]));
      return;
    }
    method.apply(this, args);
  },
};

export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'LOG_FORMAT'>, isTTY?: boolean): Logger {
  if (resolveLogFormat(config.LOG_FORMAT, isTTY) === 'json') return pino({ level: config.LOG_LEVEL });
  const stream = pretty({
    sync: true,
    colorize: isTTY ?? process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname',
    hideObject: true,
    messageFormat: (log, messageKey) => humanLine(log, messageKey),
  });
  return pino({ level: config.LOG_LEVEL, hooks: demoteListening }, stream);
}
