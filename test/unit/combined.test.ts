// The combined reader's answer from its two readings (src/reader/combined.ts combine): agreement trusts the line
// model's confidence; a disagreement answers the more confident reader's string, never at a confidence above 0.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { combine } from '../../src/reader/combined.js';

describe('combine', () => {
  it("answers the line model's reading at its confidence where both readers read the same string", () => {
    const line = { text: '90210', confidence: 0.97 };
    assert.deepEqual(combine({ text: '90210', confidence: 0.5 }, line), { from: 'line', reading: line, confidence: 0.97 });
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
