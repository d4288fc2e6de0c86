// The combined reader's answer from its two readings (src/reader/combined.ts combine): an agreement is wrong only if both
// readers are, so its confidence is 1 − (1 − pL)(1 − pS); a disagreement answers the more confident reader's string, never at a confidence above 0.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { combine } from '../../src/reader/combined.js';

describe('combine', () => {
  it("answers the line model's reading where both readers read the same string, at the chance they are not both wrong", () => {
    const line = { text: '90210', confidence: 0.9 };
    const answer = combine({ text: '90210', confidence: 0.5 }, line);
    assert.equal(answer?.from, 'line');
    assert.equal(answer?.reading, line);
    assert.ok(Math.abs(answer!.confidence - 0.95) < 1e-12, `1 − 0.1 × 0.5 = 0.95, got ${answer!.confidence}`);
    // Never below either reader's own confidence, and certain only where one of them is.
    assert.ok(Math.abs(combine({ text: '7', confidence: 0 }, { text: '7', confidence: 0.3 })!.confidence - 0.3) < 1e-12);
    assert.equal(combine({ text: '7', confidence: 1 }, { text: '7', confidence: 0.3 })?.confidence, 1);
  });

  it('answers the more confident reader where they differ, at confidence 0', () => {
    const segmented = { text: '90210', confidence: 0.9 };
    const line = { text: '902110', confidence: 0.6 };
    assert.deepEqual(combine(segmented, line), { from: 'segmentation', reading: segmented, confidence: 0 });
    const sure = { text: '902110', confidence: 0.95 };
    assert.deepEqual(combine(segmented, sure), { from: 'line', reading: sure, confidence: 0 });
  });

  it("keeps the line model's string on a tie, and where the segmentation reader read nothing", () => {
    const line = { text: '7', confidence: 0.4 };
    assert.deepEqual(combine({ text: '1', confidence: 0.4 }, line), { from: 'line', reading: line, confidence: 0 });
    assert.deepEqual(combine(undefined, line), { from: 'line', reading: line, confidence: 0 });
  });

  it("answers the segmentation reader's reading at confidence 0 where the line model read nothing; nothing where neither did", () => {
    const segmented = { text: '1', confidence: 0.99 };
    assert.deepEqual(combine(segmented, undefined), { from: 'segmentation', reading: segmented, confidence: 0 });
    assert.equal(combine(undefined, undefined), undefined);
  });
});
