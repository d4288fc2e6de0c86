// The confidence of a string both readers read (src/reader/agreement.ts): Platt scaling of the independent readers'
// evidence, fitted by maximum likelihood, recorded in the line model's card for one line model and one digit model.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readAgreementFit, recordAgreement, type AgreementCalibration } from '../../src/model/calibration.js';
import { agreementConfidence, agreementEvidence, agreementLogLoss, fitAgreement } from '../../src/reader/agreement.js';
import { combine } from '../../src/reader/combined.js';
import { seeded } from '../../src/synth/numbers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'agreement-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Agreements drawn from a known curve σ(a + b·u): their evidence spread over 0–12, each right with that chance. */
function drawn(a: number, b: number, n: number, seed: number) {
  const rng = seeded(seed);
  return Array.from({ length: n }, () => {
    const evidence = 12 * rng();
    return { evidence, right: rng() < 1 / (1 + Math.exp(-(a + b * evidence))) };
  });
}

describe('the agreement fit', () => {
  it('recovers the curve its agreements were drawn from, and fits them better than any other', () => {
    const agreements = drawn(-1, 0.8, 20000, 5);
    const fit = fitAgreement(agreements);
    assert.ok(Math.abs(fit.a + 1) < 0.15 && Math.abs(fit.b - 0.8) < 0.05, JSON.stringify(fit));
    const loss = (a: number, b: number) =>
      agreementLogLoss(agreements.map(({ evidence, right }) => ({ right, confidence: 1 / (1 + Math.exp(-(a + b * evidence))) })));
    for (const [da, db] of [
      [0.1, 0],
      [-0.1, 0],
      [0, 0.05],
      [0, -0.05],
    ])
      assert.ok(loss(fit.a, fit.b) < loss(fit.a + da, fit.b + db));
  });

  it('gives a finite, rising curve where every wrong agreement holds less evidence than every right one', () => {
    const agreements = [
      ...Array.from({ length: 5 }, (_, i) => ({ evidence: 1 + i / 10, right: false })),
      ...Array.from({ length: 500 }, (_, i) => ({ evidence: 2 + i / 50, right: true })),
    ];
    const fit = fitAgreement(agreements);
    assert.ok(Number.isFinite(fit.a) && Number.isFinite(fit.b) && fit.b > 0 && fit.b < 20, JSON.stringify(fit));
    const at = (u: number) => 1 / (1 + Math.exp(-(fit.a + fit.b * u)));
    const wrongs = agreements.filter((x) => !x.right).map((x) => at(x.evidence));
    assert.ok(Math.max(...wrongs) < 0.8 && at(12) > 0.99, `wrong ones at ${wrongs.join(', ')}; ${at(12)} at u = 12`);
  });

  it('refuses agreements that are all right (nothing to learn where they fail)', () => {
    assert.throws(
      () =>
        fitAgreement([
          { evidence: 3, right: true },
          { evidence: 5, right: true },
        ]),
      /needs right and wrong agreements \(2 of 2 right\)/,
    );
  });

  it('without a fit, is the chance that independent readers are not both wrong; with one, keeps their order', () => {
    assert.ok(Math.abs(agreementConfidence(0.9, 0.5) - 0.95) < 1e-12);
    assert.ok(Math.abs(agreementEvidence(0.9, 0.5) - -Math.log(0.05)) < 1e-12);
    const fit = { a: 0.5, b: 0.45 };
    const pairs = [
      [0.5, 0.5],
      [0.9, 0.5],
      [0.99, 0.9],
      [0.999, 0.999],
      [1, 1],
    ];
    const confidences = pairs.map(([l, s]) => agreementConfidence(l, s, fit));
    for (let i = 1; i < confidences.length; i++) assert.ok(confidences[i] > confidences[i - 1], confidences.join(' '));
    assert.ok(confidences.every((c) => c > 0 && c <= 1));
    assert.equal(
      combine({ text: '90210', confidence: 0.9, digits: [] }, { reading: { text: '90210', confidence: 0.99 }, chanceOf: () => 0.99 }, fit)
        ?.confidence,
      agreementConfidence(0.99, 0.9, fit),
    );
  });
});

describe("the agreement fit in the line model's card", () => {
  const recorded: AgreementCalibration = {
    a: 0.47,
    b: 0.45,
    lineSha256: 'l'.repeat(64),
    digitSha256: 'd'.repeat(64),
    fittedOn: 'test',
    agreements: 10,
    logLossBefore: 0.09,
    logLossAfter: 0.07,
  };

  it('is used for the line model and the digit model it was fitted with only, and keeps what else the card says', async () => {
    const model = path.join(dir, 'line.onnx');
    writeFileSync(path.join(dir, 'line.json'), JSON.stringify({ name: 'line', calibration: { temperature: 0.95 } }));
    await recordAgreement(model, recorded);
    const card = JSON.parse(readFileSync(path.join(dir, 'line.json'), 'utf8'));
    assert.deepEqual([card.name, card.calibration, card.agreement], ['line', { temperature: 0.95 }, recorded]);
    assert.deepEqual(readAgreementFit(model, recorded.lineSha256, recorded.digitSha256), { a: 0.47, b: 0.45 });
    assert.equal(readAgreementFit(model, recorded.lineSha256, 'e'.repeat(64)), undefined, 'another digit model');
    assert.equal(readAgreementFit(model, 'm'.repeat(64), recorded.digitSha256), undefined, 'another line model');
  });

  it('is not used where the card is missing, unreadable, or its curve would not rise with the evidence', async () => {
    assert.equal(readAgreementFit(path.join(dir, 'none.onnx'), recorded.lineSha256, recorded.digitSha256), undefined);
    const broken = path.join(dir, 'broken.onnx');
    writeFileSync(path.join(dir, 'broken.json'), '{"agreement": ');
    assert.equal(readAgreementFit(broken, recorded.lineSha256, recorded.digitSha256), undefined);
    for (const [a, b] of [
      [0.4, -0.2],
      [0.4, 0],
      [Number.NaN, 0.4],
    ]) {
      const file = path.join(dir, 'falling.onnx');
      await recordAgreement(file, { ...recorded, a, b });
      assert.equal(readAgreementFit(file, recorded.lineSha256, recorded.digitSha256), undefined, `a ${a}, b ${b}`);
    }
  });
});
