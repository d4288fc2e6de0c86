// The line reader's decoders against a brute-force sum over every path of small score matrices: each string's
// probability, the best path, the beam search's best string, the length constraint, alignments and digit posteriors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/model/random.js';
import {
  align,
  beamSearch,
  bestPath,
  BLANK,
  CLASSES,
  digitPosteriors,
  logProbability,
  logProbabilityOfLength,
  withTemperature,
  type LineScores,
} from '../../src/reader/ctc-decode.js';
import { readRate, reliability } from '../../src/reader/read-rate.js';

/** Random log-softmax columns; `peaked` makes a few classes likely, as a trained model's columns are. */
function randomScores(frames: number, seed: number, peaked = 2): LineScores {
  const rng = createRng(seed);
  const data = new Float32Array(frames * CLASSES);
  for (let t = 0; t < frames; t++) {
    const logits = Array.from({ length: CLASSES }, () => peaked * 3 * (rng() - 0.5) * (rng() < 0.3 ? 3 : 1));
    const max = Math.max(...logits);
    const log = max + Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0));
    logits.forEach((l, k) => (data[t * CLASSES + k] = l - log));
  }
  return { data, frames };
}

/** Every path of T columns, collapsed: P(string) summed exactly, and the single most likely path (kept per matrix). */
const seen = new Map<LineScores, ReturnType<typeof walkAll>>();
const bruteForce = (scores: LineScores) => seen.get(scores) ?? seen.set(scores, walkAll(scores)).get(scores)!;

function walkAll(scores: LineScores) {
  const strings = new Map<string, number>();
  let best = { p: -Infinity, path: [] as number[] };
  const path: number[] = [];
  const walk = (t: number, logP: number) => {
    if (t === scores.frames) {
      const labels = path.filter((c, i) => c !== BLANK && c !== path[i - 1]);
      const key = labels.join('');
      strings.set(key, (strings.get(key) ?? 0) + Math.exp(logP));
      if (logP > best.p) best = { p: logP, path: [...path] };
      return;
    }
    for (let c = 0; c < CLASSES; c++) {
      path.push(c);
      walk(t + 1, logP + scores.data[t * CLASSES + c]);
      path.pop();
    }
  };
  walk(0, 0);
  return { strings, bestPath: best.path.filter((c, i) => c !== BLANK && c !== best.path[i - 1]) };
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 + 1e-6 * Math.abs(b), `${what}: ${a} vs ${b}`);
const best = (strings: Map<string, number>, filter: (s: string) => boolean = () => true) =>
  [...strings].filter(([s]) => filter(s)).sort((a, b) => b[1] - a[1])[0];

describe('CTC decoding against brute force', () => {
  const cases = [
    ...[1, 2, 3, 4].flatMap((frames) => [1, 2, 3].map((seed) => ({ frames, seed: seed * 100 + frames }))),
    { frames: 5, seed: 105 },
  ];
  const matrices = new Map(cases.map(({ frames, seed }) => [seed, randomScores(frames, seed)]));

  it('logProbability is the sum over every path that collapses to the string, and they sum to 1', () => {
    for (const { frames, seed } of cases) {
      const scores = matrices.get(seed)!;
      const { strings } = bruteForce(scores);
      let sum = 0;
      for (const [s, p] of strings) {
        close(Math.exp(logProbability(scores, [...s].map(Number))), p, `T=${frames} '${s}'`);
        sum += p;
      }
      close(sum, 1, 'total');
      // A string longer than the frames allow, or a repeat with no room for a blank, is impossible.
      assert.equal(logProbability(scores, Array(frames + 1).fill(3)), -Infinity);
      if (frames >= 1) assert.equal(logProbability(scores, Array(frames).fill(3)), frames === 1 ? logProbability(scores, [3]) : -Infinity);
    }
  });

  it('bestPath collapses the single most likely path', () => {
    for (const { seed } of cases) {
      const scores = matrices.get(seed)!;
      assert.deepEqual(bestPath(scores), bruteForce(scores).bestPath);
    }
  });

  it('beam search finds the most likely string, with its exact probability; wide beams list strings in order', () => {
    for (const { frames, seed } of cases) {
      const scores = matrices.get(seed)!;
      const { strings } = bruteForce(scores);
      const [top, p] = best(strings);
      const found = beamSearch(scores, 64);
      assert.equal(found[0].labels.join(''), top, `T=${frames} seed ${seed}`);
      close(Math.exp(found[0].logP), p, 'its probability');
      for (let i = 1; i < found.length; i++) assert.ok(found[i].logP <= found[i - 1].logP);
    }
  });

  it('the length constraint gives the most likely string of exactly N digits, and P(N digits) is exact', () => {
    for (const { frames, seed } of cases) {
      const scores = matrices.get(seed)!;
      const { strings } = bruteForce(scores);
      for (let n = 0; n <= frames; n++) {
        const ofLength = [...strings].filter(([s]) => s.length === n);
        close(
          Math.exp(logProbabilityOfLength(scores, n)),
          ofLength.reduce((a, [, p]) => a + p, 0),
          `P(len ${n}), T=${frames}`,
        );
        const found = beamSearch(scores, 64, { length: n });
        if (ofLength.length === 0) {
          assert.equal(found.length, 0);
          continue;
        }
        assert.ok(found.every((f) => f.labels.length === n));
        assert.equal(found[0].labels.join(''), best(strings, (s) => s.length === n)[0], `T=${frames} N=${n}`);
      }
    }
  });

  it('a narrow beam with a length keeps strings of that length alive to the end', () => {
    // Columns that all but say "7 blank 7 blank…": the unconstrained best is long; N = 2 must still be found.
    const scores = randomScores(12, 7, 4);
    const found = beamSearch(scores, 2, { length: 2 });
    assert.ok(found.length > 0 && found[0].labels.length === 2);
  });

  it('align puts each label on the columns of the most likely alignment; digitPosteriors sum to 1 and favour the label', () => {
    for (const { seed } of cases.filter((c) => c.frames >= 3)) {
      const scores = matrices.get(seed)!;
      const [top] = best(bruteForce(scores).strings);
      const labels = [...top].map(Number);
      const spans = align(scores, labels)!;
      assert.equal(spans.length, labels.length);
      spans.forEach((span, i) => {
        assert.ok(span.first <= span.peak && span.peak <= span.last);
        if (i > 0) assert.ok(span.first > spans[i - 1].last, 'in order, not overlapping');
      });
      for (const [i, probabilities] of digitPosteriors(scores, labels).entries()) {
        close(
          probabilities.reduce((a, b) => a + b, 0),
          1,
          'sums to 1',
        );
        assert.equal(probabilities.indexOf(Math.max(...probabilities)), labels[i], 'the best string has no better substitution');
      }
    }
    // By hand: blank 4 4 blank 2 → 4 on columns 1–2, 2 on column 4.
    const data = new Float32Array(5 * CLASSES).fill(Math.log(0.01));
    [BLANK, 4, 4, BLANK, 2].forEach((c, t) => (data[t * CLASSES + c] = Math.log(0.9)));
    assert.deepEqual(align({ data, frames: 5 }, [4, 2]), [
      { first: 1, last: 2, peak: 1 },
      { first: 4, last: 4, peak: 4 },
    ]);
  });

  it('a temperature keeps every column a distribution; T = 1 changes nothing; T > 1 lowers a sure string', () => {
    const scores = randomScores(4, 11, 4);
    assert.equal(withTemperature(scores, 1), scores);
    const soft = withTemperature(scores, 2);
    for (let t = 0; t < 4; t++)
      close(
        [...soft.data.subarray(t * CLASSES, (t + 1) * CLASSES)].reduce((a, l) => a + Math.exp(l), 0),
        1,
        'column',
      );
    const top = beamSearch(scores, 16)[0];
    if (Math.exp(top.logP) > 0.5) assert.ok(logProbability(soft, top.labels) < top.logP);
  });
});

describe('read rate and reliability', () => {
  const judged = (rows: Array<[number, boolean]>) => rows.map(([confidence, right]) => ({ confidence, right }));

  it('accepts the most confident first, as far as the error allows, and never splits a tie', () => {
    // 0.99 ×3 right, 0.9 wrong, 0.8 ×96 right: at ≤ 1 % all 100 go (1 wrong); at 0 % only the first three.
    const rows = judged([...Array(3).fill([0.99, true]), [0.9, false], ...Array(96).fill([0.8, true])]);
    assert.deepEqual(readRate(rows, 0.01), { rate: 1, threshold: 0.8, accepted: 100, wrong: 1 });
    assert.deepEqual(readRate(rows, 0), { rate: 0.03, threshold: 0.99, accepted: 3, wrong: 0 });
    // A tie of a right and a wrong reading at the top: accepting either means both.
    const tied = judged([
      [1, true],
      [1, false],
      [0.5, true],
    ]);
    assert.equal(readRate(tied, 0.4).accepted, 3);
    assert.equal(readRate(tied, 0.3).accepted, 0);
  });

  it('bins confidences against accuracy, the top bin closed', () => {
    const rows = reliability(
      judged([
        [1, true],
        [0.995, false],
        [0.3, true],
        [0.35, false],
      ]),
      [0, 0.5, 0.99, 1],
    );
    assert.deepEqual(
      rows.map((r) => [r.count, r.accuracy]),
      [
        [2, 0.5],
        [0, 0],
        [2, 0.5],
      ],
    );
    assert.ok(Math.abs(rows[0].meanConfidence - 0.325) < 1e-12);
  });
});
