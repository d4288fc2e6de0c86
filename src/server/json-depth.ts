// How deep a JSON text nests, found in one pass over its bytes before it is parsed: a value 5,000 arrays deep parses,
// but then every recursive walk over it (a validator, an error message, JSON.stringify) runs out of stack. Written by
// hand because it must not build anything: it only counts brackets outside strings.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x5b, 0x7b]); // [ {
const CLOSE = new Set([0x5d, 0x7d]); // ] }

/** True when `json` nests arrays and objects more than `max` deep (malformed text is left for the parser to refuse). */
export function nestsDeeperThan(json: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (OPEN.has(c)) {
      if (++depth > max) return true;
    } else if (CLOSE.has(c)) depth--;
  }
  return false;
}
