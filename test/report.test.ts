// The training report's drawing: whole-epoch ticks, a one-epoch run drawn as level lines rather than lone dots, and
// every box inside the picture (the confusion matrix's bottom border was cut off).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { loadMnist } from '../src/train/mnist.js';
import { logTicks, niceTicks, renderReport, reportSvg, type ReportInput } from '../src/train/report.js';

const { test } = loadMnist();

function input(epochs: number): ReportInput {
  // An evaluation that gets every 50th test digit wrong (its label + 1), over the real test set.
  const predicted = test.labels.map((label, i) => (i % 50 === 0 ? (label + 1) % 10 : label));
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  predicted.forEach((p, i) => confusion[test.labels[i]][p]++);
  const history = Array.from({ length: epochs }, (_, e) => ({
    epoch: e + 1,
    trainLoss: 0.5 / (e + 1),
    trainAccuracy: 0.9 + 0.01 * e,
    testLoss: 0.4 / (e + 1),
    testAccuracy: 0.92 + 0.01 * e,
    seconds: 3,
    imagesPerSecond: 20000,
  }));
  const lossCurve = Array.from({ length: 10 * epochs }, (_, s) => [s * 10, 2 / (1 + s)] as [number, number]);
  return {
    title: 'test',
    history,
    lossCurve,
    stepsPerEpoch: 100,
    final: { accuracy: 0.98, loss: 0.1, confusion, recall: new Array(10).fill(0.98), predicted },
    test,
  };
}

// The x axis's labels: centred, small and grey (the y axis's are right-aligned).
const tickLabels = (svg: string) =>
  [...svg.matchAll(/<text [^>]*text-anchor="middle" font-size="11" fill="#666"[^>]*>(\d+)<\/text>/g)].map((m) => Number(m[1]));

describe('training report', () => {
  it('labels whole epochs on both charts', async () => {
    const ticks = tickLabels(await reportSvg(input(8)));
    for (let e = 0; e <= 8; e++) assert.equal(ticks.filter((t) => t === e).length, 2, `epoch ${e} on both charts: ${ticks}`);
    assert.deepEqual(tickLabels(await reportSvg(input(1))), [0, 1, 0, 1]);
  });

  it('draws a one-epoch run as level lines with their values, not lone dots', async () => {
    const svg = await reportSvg(input(1));
    assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 3, 'test loss, train and test accuracy');
    for (const value of ['92.00%', '90.00%', '0.40']) assert.ok(svg.includes(`>${value}</text>`), `${value} is written`);
  });

  it('keeps every box inside the picture', async () => {
    const svg = await reportSvg(input(3));
    const [, width, height] = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    for (const [, x, y, w, h] of svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)) {
      assert.ok(Number(x) + Number(w) <= width && Number(y) + Number(h) <= height, `rect ${x},${y} ${w}×${h} inside ${width}×${height}`);
    }
    const png = await sharp(await renderReport(input(3))).metadata();
    assert.deepEqual([png.width, png.height], [width, height]);
  });

  it('labels the y axes with round values: steps of 1, 2 or 5 × 10^k, and 1-2-5 on the log scale', async () => {
    assert.deepEqual(niceTicks(85.97, 99.36), { ticks: [85, 90, 95, 100], step: 5 });
    assert.deepEqual(niceTicks(90, 92).ticks, [90, 90.5, 91, 91.5, 92]);
    assert.deepEqual(logTicks(0.024, 1.8), [0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]);
    assert.deepEqual(logTicks(1e-4, 3), [1e-4, 1e-3, 0.01, 0.1, 1, 10]);
    for (const epochs of [1, 3, 20]) {
      const svg = await reportSvg(input(epochs));
      const yLabels = [...svg.matchAll(/<text [^>]*text-anchor="end" font-size="11" fill="#666"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
      assert.ok(yLabels.length >= 6, yLabels.join(' '));
      for (const label of yLabels) {
        const v = Number(label.replace('%', ''));
        const mantissa = v / 10 ** Math.floor(Math.log10(v));
        assert.ok(
          label.endsWith('%') ? Number.isInteger(v * 2) : [1, 2, 5].includes(Number(mantissa.toPrecision(6))),
          `${epochs} epochs: ${label}`,
        );
      }
    }
  });

  it('names the plain accuracy in the robustness legend, not over the bars', async () => {
    const families = ['rotation', 'blur'].map((name) => ({
      name,
      levels: (['mild', 'moderate', 'strong'] as const).map((strength, i) => ({ strength, accuracy: 0.99 - 0.01 * i })),
    }));
    const robustness = {
      images: 10_000,
      plain: 0.9935,
      families,
      forms: [{ label: 'thin pen', accuracy: 0.987 }],
    } as unknown as ReportInput['robustness'];
    const svg = await reportSvg({ ...input(2), robustness });
    assert.equal((svg.match(/99\.35%/g) ?? []).length, 1);
    assert.match(svg, />plain test set 99\.35%</);
  });
});
