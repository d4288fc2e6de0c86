// The reader's pure parts: connected components, the best path over cuts, the count per unit, and temperature scaling.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createRng, normal } from '../src/model/random.js';
import { bestPaths, chooseCounts } from '../src/reader/best-path.js';
import { fitTemperature, nll, readTemperature, recordCalibration, withTemperature } from '../src/model/calibration.js';
import { connectedComponents, labelsOf } from '../src/imaging/components.js';
import { segmentNumber } from '../src/reader/segmentation.js';
import { candidateCuts } from '../src/reader/units.js';
import { UnitInk } from '../src/imaging/unit-ink.js';
import { runCli } from './helpers/cli.js';

describe('connectedComponents', () => {
  it('joins pixels that touch at a corner (8-connected), keeps apart those that do not, and measures each', () => {
    const picture = ['#..#....', '.#.#..##', '..##..##', '........', '#.......'];
    const data = Uint8Array.from(picture.join(''), (c) => (c === '#' ? 255 : 0));
    const labelled = connectedComponents(data, 8, 5, 128);
    const { components } = labelled;
    const labels = labelsOf(labelled, 8, 5);
    assert.deepEqual(components, [
      { x: 0, y: 0, width: 4, height: 3, area: 6 }, // the diagonal and the bar, joined at the bottom (a U merge)
      { x: 6, y: 1, width: 2, height: 2, area: 4 },
      { x: 0, y: 4, width: 1, height: 1, area: 1 },
    ]);
    assert.equal(labels[0], 0);
    assert.equal(labels[1], -1);
    assert.equal(labels[8 + 6], 1);
  });
});

describe('best path', () => {
  it('finds the best path of each length over the cuts', () => {
    // Nodes 0..3; the two-piece path 0→1→3 scores best, the whole 0→3 is the only one-piece path.
    const edges = [
      { from: 0, to: 3, score: -2 },
      { from: 0, to: 1, score: -0.1 },
      { from: 1, to: 3, score: -0.2 },
      { from: 0, to: 2, score: -0.5 },
      { from: 2, to: 3, score: -0.5 },
      { from: 1, to: 2, score: -0.1 },
    ];
    const paths = bestPaths(4, edges, 4);
    assert.equal(paths[1]?.score, -2);
    assert.deepEqual(paths[2]?.edges, [1, 2]);
    assert.ok(Math.abs(paths[3]!.score - -0.7) < 1e-12);
    assert.equal(paths[4], undefined);
  });

  it('chooses each unit its best count, or the counts that sum to a given length', () => {
    const scores = [
      [-Infinity, -0.1, -1],
      [-Infinity, -3, -0.2, -0.9],
    ];
    assert.deepEqual(chooseCounts(scores), [1, 2]);
    assert.deepEqual(chooseCounts(scores, 4), [1, 3]);
    assert.deepEqual(chooseCounts(scores, 2), [1, 1]);
    assert.equal(chooseCounts(scores, 9), undefined);
  });
});

describe('candidateCuts', () => {
  it('finds the column where two strokes touch, and says how much stroke a cut there runs through', () => {
    // A 1 (a bar, columns 1–2) touching a ring (columns 5–10) through a one-pixel bridge at columns 3–4 on row 5.
    const picture = [
      '............',
      '.##..######.',
      '.##..#....#.',
      '.##..#....#.',
      '.##..#....#.',
      '.#####....#.',
      '.##..#....#.',
      '.##..#....#.',
      '.##..######.',
      '............',
    ];
    const width = picture[0].length;
    const data = Uint8Array.from(picture.join(''), (c) => (c === '#' ? 255 : 0));
    const labelled = connectedComponents(data, width, picture.length, 128);
    const { components } = labelled;
    assert.equal(components.length, 1);
    const [unit] = components;
    const whole = { ...unit, members: [0] };
    const cuts = candidateCuts(new UnitInk({ data, width, height: picture.length }, labelled, () => true, whole), whole, 2, 2);
    const bridge = cuts.find((c) => c.x === 3 || c.x === 4);
    assert.ok(bridge, JSON.stringify(cuts));
    assert.equal(bridge.ink, 1);
    assert.ok(cuts.every((c) => c.ink >= bridge.ink));
  });
});

describe('temperature scaling', () => {
  it('recovers the temperature that made over-confident probabilities', () => {
    // Labels drawn from softmax(z); the model reports softmax(2z): over-confident by a temperature of 2.
    const rng = createRng(3);
    const n = 4000;
    const probabilities = new Float32Array(n * 10);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: 10 }, () => 2 * normal(rng));
      const truth = withTemperature(z.map(Math.exp), 1);
      let u = rng();
      labels[i] = 9;
      for (let d = 0; d < 10; d++) {
        u -= truth[d];
        if (u < 0) {
          labels[i] = d;
          break;
        }
      }
      const reported = withTemperature(z.map(Math.exp), 0.5);
      probabilities.set(reported, i * 10);
    }
    const t = fitTemperature(probabilities, labels);
    assert.ok(Math.abs(t - 2) < 0.2, `fitted ${t}`);
    assert.ok(nll(probabilities, labels, t) < nll(probabilities, labels, 1));
  });

  it('is recorded in the model card for one model; another model, or none recorded, reads as 1', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lenet-card-'));
    const model = path.join(dir, 'lenet.onnx');
    writeFileSync(path.join(dir, 'lenet.json'), JSON.stringify({ name: 'lenet', sha256: 'a'.repeat(64) }));
    assert.equal(readTemperature(model, 'a'.repeat(64)), 1);
    const calibration = {
      temperature: 1.7,
      sha256: 'a'.repeat(64),
      fittedOn: 'test',
      nllBefore: 1,
      nllAfter: 0.5,
      eceBefore: 0.1,
      eceAfter: 0.01,
    };
    await recordCalibration(model, calibration);
    assert.equal(readTemperature(model, 'a'.repeat(64)), 1.7);
    assert.equal(readTemperature(model, 'b'.repeat(64)), 1);
    const card = JSON.parse(readFileSync(path.join(dir, 'lenet.json'), 'utf8'));
    assert.equal(card.name, 'lenet', 'the rest of the card is kept');
  });
});

describe('npm run calibrate', () => {
  it('fits the temperature on the last training digits and records it in the card next to the model, for its sha256', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lenet-calibrate-'));
    const model = path.join(dir, 'lenet.onnx');
    copyFileSync('models/lenet.onnx', model);
    copyFileSync('models/lenet.json', path.join(dir, 'lenet.json'));
    const { code, stdout, stderr } = await runCli('src/train/calibrate-cli.ts', [model, '--count', '1000']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /temperature [\d.]+ on 1000 training digits \[59000:60000\]/);
    const card = JSON.parse(readFileSync(path.join(dir, 'lenet.json'), 'utf8'));
    assert.equal(card.calibration.sha256, card.sha256);
    assert.equal(card.calibration.fittedOn, 'mnist train[59000:60000]');
    assert.ok(card.calibration.nllAfter <= card.calibration.nllBefore);
    assert.equal(readTemperature(model, card.sha256), card.calibration.temperature);
    assert.doesNotMatch(stderr, /agreement curve/);
    assert.equal((await runCli('src/train/calibrate-cli.ts', [])).code, 2);
  });

  it("says how to refit the line model's agreement curve when it was fitted with another digit model or temperature", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lenet-calibrate-pair-'));
    const model = path.join(dir, 'lenet.onnx');
    copyFileSync('models/lenet.onnx', model);
    const card = JSON.parse(readFileSync('models/lenet.json', 'utf8'));
    const lineCard = (digitSha256: string) =>
      writeFileSync(path.join(dir, 'line.json'), JSON.stringify({ agreement: { a: 1, b: 0.5, lineSha256: 'x', digitSha256 } }));
    const calibrate = async () => {
      const result = await runCli('src/train/calibrate-cli.ts', [model, '--count', '1000']);
      assert.equal(result.code, 0, result.stderr);
      return result.stderr;
    };
    const refit = `npx tsx scripts/compare-readers.ts --role calibration --line ${path.join(dir, 'line.onnx')} --digit ${model} --record`;
    lineCard('f'.repeat(64));
    writeFileSync(path.join(dir, 'lenet.json'), JSON.stringify(card));
    const other = await calibrate();
    assert.match(other, /was fitted with another digit model \(ffffffffffff…\)/);
    assert.ok(other.includes(refit), other);
    // Fitted with this model: quiet while its temperature stays, a note when calibrate moves it.
    lineCard(card.sha256);
    assert.doesNotMatch(await calibrate(), /agreement curve/);
    writeFileSync(path.join(dir, 'lenet.json'), JSON.stringify({ ...card, calibration: { ...card.calibration, temperature: 7.5 } }));
    const moved = await calibrate();
    assert.match(moved, /at its old temperature, and \/read still applies it/);
    assert.ok(moved.includes(refit), moved);
  });
});

describe('segmentNumber: a unit no wider than one digit', () => {
  // White on black: a 1 (a bar) joined to a 0 (a ring) by a thin bridge, the pair about as wide as it is tall, so the
  // unit is read whole unless its clean cut at the bridge gives a 1 and another digit.
  const grey = () => {
    const [width, height] = [60, 60];
    const data = new Uint8Array(width * height);
    const ink = (x: number, y: number) => (data[y * width + x] = 255);
    for (let y = 10; y < 50; y++) for (let x = 12; x < 16; x++) ink(x, y);
    for (let y = 10; y < 50; y++) for (let x = 22; x < 46; x++) if (y < 14 || y >= 46 || x < 26 || x >= 42) ink(x, y);
    for (let x = 16; x < 22; x++) ink(x, 30);
    return { data, width, height, alphaIsInk: false, lo: 0, hi: 255 };
  };
  const sure = (digit: number, p = 0.99) => Array.from({ length: 10 }, (_, d) => (d === digit ? p : (1 - p) / 9));

  it('a line taller than 256 px is cut on a shrunk copy, and says by how much', () => {
    // The same pair drawn k times bigger: each pixel a k × k block.
    const big = (k: number) => {
      const g = grey();
      const data = new Uint8Array(g.width * k * g.height * k);
      for (let y = 0; y < g.height * k; y++)
        for (let x = 0; x < g.width * k; x++) data[y * g.width * k + x] = g.data[Math.floor(y / k) * g.width + Math.floor(x / k)];
      return { ...g, data, width: g.width * k, height: g.height * k };
    };
    assert.equal(segmentNumber(big(6)).scale, 1, 'a 240 px line is cut as it is');
    const shrunk = segmentNumber(big(8)); // 320 px: read from a copy 2× smaller
    assert.equal(shrunk.scale, 2);
    const [whole] = shrunk.candidates;
    assert.deepEqual(
      [whole.box.x, whole.box.width],
      [12 * 4, (46 - 12) * 4],
      "the box in the copy's pixels; readNumber multiplies it by scale",
    );
    // 20 px wide, about 3 times smaller: 7 columns, so the copy is 20 / 7 times smaller across.
    const bar = { data: new Uint8Array(20 * 700), width: 20, height: 700, alphaIsInk: false, lo: 0, hi: 255 };
    for (let y = 50; y < 650; y++) bar.data.fill(255, y * 20 + 8, y * 20 + 12);
    const thin = segmentNumber(bar);
    assert.equal(thin.scale, 20 / 7);
    const boxes = thin.candidates.map((c) => c.box);
    assert.ok(boxes.length === 1 && boxes[0].x + boxes[0].width <= 7 && Math.abs(boxes[0].height - 200) <= 2, JSON.stringify(boxes));
  });

  it('cuts out its pieces only when its whole reading could lose to them', () => {
    const wholeSure = segmentNumber(grey());
    assert.equal(wholeSure.candidates.length, 1, 'the first batch holds the whole unit only');
    const first = [sure(0)];
    assert.deepEqual(wholeSure.refine(first), [], 'read surely whole: its pieces are never cut out');
    assert.deepEqual(wholeSure.pick(first), [0]);

    const unsure = segmentNumber(grey());
    const firstUnsure = [sure(0, 0.4)];
    const pieces = unsure.refine(firstUnsure);
    // Cut at the bridge, and at a clean column through the ring's top and bottom: the pieces between any two of them.
    const bar = pieces.find((c) => c.box.x === 12 && c.box.width <= 6);
    const ring = pieces.find((c) => c.box.x >= 16 && c.box.x <= 22 && c.box.x + c.box.width === 46);
    assert.ok(bar && ring, JSON.stringify(pieces.map((c) => c.box)));
    const all = [...firstUnsure, ...pieces.map((c) => (c === bar ? sure(1) : c === ring ? sure(0) : sure(5, 0.3)))];
    assert.deepEqual(unsure.refine(all), [], 'both pieces read surely: no second look');
    assert.deepEqual(
      unsure.pick(all).map((i) => unsure.candidates[i]),
      [bar, ring],
    );
  });
});
