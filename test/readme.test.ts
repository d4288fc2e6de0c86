// The README's commands as a newcomer runs them: every curl line of its ```sh blocks against a started service (on a
// free port instead of 3000), with the example pictures it names; and its error table lists every code we answer.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { runCli } from './helpers/cli.js';
import { startService, type Service } from '../harness/service.js';

const run = promisify(execFile);
const readme = readFileSync('README.md', 'utf8');

/** Each curl line of the ```sh blocks, with the answer the comment line under it promises, if any. */
function curlExamples(): Array<{ line: string; route: string; promised?: string }> {
  const lines = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n'));
  return lines.flatMap((line, i) => {
    if (!/^curl .*localhost:3000/.test(line)) return [];
    const route = /localhost:3000(\/[\w/.]*)/.exec(line)![1];
    const promised = /^# (\{.*)/.exec(lines[i + 1] ?? '')?.[1];
    return [{ line, route, promised }];
  });
}

/** A promised answer as JSON, its elisions as "…" (matching anything): `[…10 numbers…]`, `[…]` and `{…}` are one
 * value, and `,…` the rest of an object or array. */
function parsePromise(text: string): unknown {
  // A number with a decimal point is kept as it is written (`1.000` promises three decimals, which JSON would drop).
  const written = text.replace(/(?<=[:[,]\s*)(-?\d+\.\d+)(?=\s*[,}\]])/g, '"#$1"');
  return JSON.parse(written.replace(/\[…[^\]]*\]|\{…\}/g, '"…"').replace(/,…(?=[,}\]])/g, ''));
}

/** Every field the README writes is in the real answer: strings equal (a "…" inside one stands for any text), numbers
 * equal to the digits written, arrays element by element from the first. */
function assertKeeps(promised: unknown, real: unknown, where = '$'): void {
  if (promised === '…') return;
  if (typeof promised === 'string' && /^#-?\d+\.\d+$/.test(promised)) {
    const decimals = promised.split('.')[1].length;
    assert.ok(
      typeof real === 'number' && Math.abs(real - Number(promised.slice(1))) <= 0.5 * 10 ** -decimals + 1e-12,
      `${where}: the README says ${promised.slice(1)}, the service ${real}`,
    );
  } else if (typeof promised === 'string' && promised.includes('…')) {
    const [head, tail] = promised.split('…');
    assert.ok(
      typeof real === 'string' && real.startsWith(head) && real.endsWith(tail),
      `${where}: ${JSON.stringify(real)} is not ${promised}`,
    );
  } else if (typeof promised === 'number') {
    const decimals = (String(promised).split('.')[1] ?? '').length;
    assert.ok(
      typeof real === 'number' && Math.abs(real - promised) <= 0.5 * 10 ** -decimals + 1e-12,
      `${where}: the README says ${promised}, the service ${real}`,
    );
  } else if (Array.isArray(promised)) {
    assert.ok(Array.isArray(real) && real.length >= promised.length, `${where}: ${JSON.stringify(real)}`);
    promised.forEach((p, i) => assertKeeps(p, real[i], `${where}[${i}]`));
  } else if (promised !== null && typeof promised === 'object') {
    assert.ok(real !== null && typeof real === 'object', `${where}: ${JSON.stringify(real)}`);
    for (const [key, p] of Object.entries(promised)) {
      assert.ok(key in real, `${where}.${key} is in the README, not in the answer`);
      assertKeeps(p, (real as Record<string, unknown>)[key], `${where}.${key}`);
    }
  } else {
    assert.deepEqual(real, promised, where);
  }
}

describe("the README's curl examples against a started service", () => {
  let service: Service;
  before(async () => (service = await startService()));
  after(() => service?.child.kill('SIGTERM'));

  it('the start-up log says which address to open', async () => {
    // The line is written just after the port opens, and reaches us through a pipe, not the socket that saw /health.
    const line = `open ${service.url}/ to draw a digit`;
    for (let i = 0; i < 100 && !service.log().includes(line); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(service.log().includes(line), service.log());
  });

  it('the page has an icon, so browsers do not ask for a missing /favicon.ico', async () => {
    const page = await (await fetch(service.url)).text();
    const icon = /<link rel="icon" href="([^"]+)"/.exec(page)?.[1];
    assert.ok(icon, 'index.html links an icon');
    const res = await fetch(new URL(icon, service.url));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^image\/svg\+xml/);
  });

  const examples = curlExamples();
  it('finds curl examples for /predict and /health', () => {
    assert.ok(examples.some((e) => e.route === '/predict') && examples.some((e) => e.route === '/health'), JSON.stringify(examples));
  });
  it('checks a promise field by field, to the digits it writes', () => {
    const promise = parsePromise(
      '{"digit":4,"confidence":0.17,…,"model":{…},"input":"data:image/png;base64,…","shape":[1,10],"p":[…10 numbers…]}',
    );
    const real = {
      digit: 4,
      confidence: 0.1712,
      probabilities: [],
      model: { name: 'x' },
      input: 'data:image/png;base64,AAA',
      shape: [1, 10],
      p: [0],
    };
    assertKeeps(promise, real);
    for (const wrong of [{ confidence: 0.18 }, { digit: 5 }, { input: 'data:image/jpeg;base64,A' }, { shape: [2, 10] }]) {
      assert.throws(() => assertKeeps(promise, { ...real, ...wrong }), JSON.stringify(wrong));
    }
    assert.throws(() => assertKeeps(parsePromise('{"hint":"x"}'), {}), /hint is in the README/);
    // Trailing zeros are digits written: 1.000 promises 0.9995 or more.
    assertKeeps(parsePromise('{"c":1.000,"d":[0.50]}'), { c: 0.9996, d: [0.504] });
    assert.throws(() => assertKeeps(parsePromise('{"c":1.000}'), { c: 0.999 }), /the README says 1\.000, the service 0\.999/);
  });

  it('promises an answer under most of them, and each promise parses', () => {
    const promised = examples.filter((e) => e.promised);
    assert.ok(promised.length >= 8, `${promised.length} promised answers`);
    for (const { promised: text } of promised) assert.doesNotThrow(() => parsePromise(text!), text);
  });
  for (const { line, route, promised } of examples) {
    it(line, async (t) => {
      const command = line.replace(/#.*$/, '').replaceAll('localhost:3000', service.url.replace('http://', ''));
      const { stdout } = await run('sh', ['-c', command]); // in the repository root, as the README's reader is
      if (route.endsWith('.yaml')) return assert.match(stdout, /^openapi: 3\.1/m);
      const body = JSON.parse(stdout);
      if (body.error?.code === 'not_found') {
        t.skip(`${route} does not exist on this branch yet`);
        return;
      }
      assert.equal(body.error, undefined, stdout);
      if (promised) assertKeeps(parsePromise(promised), body);
    });
  }
});

describe("the README's error table", () => {
  it('lists every error code the service answers with', () => {
    const files = readdirSync('src/server', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const codes = new Set<string>();
    for (const file of files) {
      const source = readFileSync(join('src/server', file), 'utf8');
      for (const m of source.matchAll(/(?:HttpError\(\s*\d{3},\s*|errorBody\(|\[\d{3}, )'([a-z_]+)'/g)) codes.add(m[1]);
    }
    assert.ok(codes.size >= 15, [...codes].join(' '));
    const missing = [...codes].filter((code) => !readme.includes(`\`${code}\``));
    assert.deepEqual(missing, []);
  });
});

describe('every command-line tool', () => {
  for (const [script, mentions] of [
    ['src/server/predict-cli.ts', /MODEL_PATH/],
    ['src/train/eval-cli.ts', /--device/],
    ['src/train/cli.ts', /--epochs/],
    ['src/train/line-cli.ts', /--steps/],
    ['src/train/line-ensemble-cli.ts', /--out/],
    ['src/train/calibrate-cli.ts', /--count/],
  ] as const) {
    it(`${script} --help prints its usage and exits 0`, async () => {
      const result = await runCli(script, ['--help']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^usage: npm run \w+/);
      assert.match(result.stdout, mentions);
    });
  }
});

describe("the README's layout", () => {
  const layout = readme.slice(readme.indexOf('\nLayout.'), readme.indexOf('\n\n', readme.indexOf('\nLayout.') + 1));

  it('names every folder of src/ and every top-level folder of code, and each npm CLI where it lives', () => {
    const folders = [
      ...readdirSync('src', { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => `src/${d.name}/`),
      'assembly/',
      'scripts/',
      'harness/',
      'test/',
      'public/',
    ];
    assert.deepEqual(
      folders.filter((f) => !layout.includes(`\`${f}\``)),
      [],
    );
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    for (const name of ['train', 'eval', 'calibrate', 'predict', 'train:line', 'line:ensemble']) {
      const file = /dist\/(\w+)\/([\w-]+)\.js/.exec(pkg.scripts[name])!;
      const at = layout.indexOf(`\`src/${file[1]}/\``);
      const next = layout.indexOf('\n- ', at);
      assert.ok(at >= 0 && layout.slice(at, next).includes(`\`${file[2]}.ts\` (\`npm run ${name}\`)`), `npm run ${name}: ${file[0]}`);
    }
  });

  it('names only files and folders that exist', () => {
    for (const [, folder, names] of layout.matchAll(/- `(src\/\w+\/)`:([^\n]*(?:\n {2}[^\n]*)*)/g)) {
      for (const [, name] of names.matchAll(/`([\w-]+\.ts|[\w-]+\/)`/g)) {
        // A file or folder of that folder, or a top-level folder (`assembly/`).
        assert.ok(existsSync(join(folder, name)) || (name.endsWith('/') && existsSync(name)), join(folder, name));
      }
    }
  });
});
