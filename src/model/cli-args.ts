// The command-line entry points' shared first step (npm run predict, calibrate, eval, line:ensemble). It lives in the
// lowest room because both src/server/ and src/train/ may import it.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The arguments parsed with positionals allowed, or the exit code when there is nothing to run: 2 after an unknown or
 * malformed option (the error, then the usage, on stderr), 0 for --help (the usage on stdout). */
export function cliArgs<O extends Options>(argv: string[], options: O, usage: string) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { ...options, help: { type: 'boolean', short: 'h' } as const } });
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    return 0;
  }
  return parsed;
}
