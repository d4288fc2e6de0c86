// POST /read on phone photos with a soft shadow across them (src/synth/numbers.ts's 'shadows' set, the validation
// role's digits, a fixed seed): the shadow's edge must not be read as ink, by either reader.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { validationDigits } from '../src/train/line-validation.js';
import { loadMnist } from '../src/train/mnist.js';
import { makeSet, type Sample } from '../src/synth/numbers.js';

const SEED = 3661;
let samples: Sample[];
const apps: Partial<Record<'segmentation' | 'line', FastifyInstance>> = {};

before(async () => {
  samples = await makeSet('shadows', 10, SEED, validationDigits(loadMnist().train));
  for (const reader of ['segmentation', 'line'] as const) {
    apps[reader] = await buildApp(loadConfig({ LOG_LEVEL: 'silent', EXECUTION_PROVIDER: 'cpu', READER: reader }), { logger: false });
    await apps[reader].ready();
  }
});
after(async () => {
  for (const app of Object.values(apps)) await app.close();
});

const read = async (reader: 'segmentation' | 'line', s: Sample) => {
  const res = await apps[reader]!.inject({ method: 'POST', url: '/read', headers: { 'content-type': s.type }, payload: s.picture });
  assert.ok(res.statusCode === 200 || res.statusCode === 422, res.body);
  return res.statusCode === 200 ? (res.json() as { text: string; confidence: number }) : { text: '', confidence: 0 };
};

describe('POST /read: shadowed phone photos', () => {
  it('reads a number half in a hand\'s shadow (before the opening, the shadow\'s edge was read: "34" for 59284)', async () => {
    const [first] = samples;
    assert.equal(first.number.text, '59284');
    const { text, confidence } = await read('segmentation', first);
    assert.equal(text, '59284');
    assert.ok(confidence > 0.9, `confidence ${confidence}`);
  });

  it('reads the first ten of the seed: segmentation 9 or more (1 before the opening), the line model 4 or more (0)', async () => {
    const right = { segmentation: 0, line: 0 };
    for (const s of samples) {
      for (const reader of ['segmentation', 'line'] as const) if ((await read(reader, s)).text === s.number.text) right[reader]++;
    }
    assert.ok(right.segmentation >= 9, `segmentation: ${right.segmentation} of 10`);
    assert.ok(right.line >= 4, `line: ${right.line} of 10`);
  });
});
