// The one place errors get their HTTP status: preprocessing's codes, a full queue, Fastify's own errors, our bugs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueFullError } from '../../src/imaging/errors.js';
import { HttpError } from '../../src/server/errors.js';
import { toHttpError } from '../../src/server/plugins/errors.js';
import { PreprocessError } from '../../src/imaging/errors.js';

describe('toHttpError', () => {
  for (const [code, status] of [
    ['missing_image', 400],
    ['invalid_image', 400],
    ['unsupported_image_format', 415],
    ['image_too_large', 413],
    ['no_digit_found', 422],
  ] as const) {
    it(`PreprocessError ${code} → ${status}, code and message kept`, () => {
      const http = toHttpError(new PreprocessError(code, 'why'));
      assert.deepEqual([http.statusCode, http.code, http.message], [status, code, 'why']);
    });
  }

  it('a full queue, whichever it is, → 503 overloaded', () => {
    const http = toHttpError(new QueueFullError(4, 'too many images waiting for preprocessing'));
    assert.deepEqual(
      [http.statusCode, http.code, http.message],
      [503, 'overloaded', 'too many images waiting for preprocessing; retry shortly'],
    );
    const inference = toHttpError(new QueueFullError(8, 'the inference queue is full (8 waiting)'));
    assert.equal(inference.message, 'the inference queue is full (8 waiting); retry shortly');
  });

  it('HttpError as thrown; Fastify’s coded errors by code; anything else 500 without details', () => {
    const own = new HttpError(401, 'unauthorized', 'no');
    assert.equal(toHttpError(own), own);
    assert.deepEqual([toHttpError(Object.assign(new Error('big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' })).code], ['payload_too_large']);
    const bug = toHttpError(new TypeError('x is undefined'));
    assert.deepEqual([bug.statusCode, bug.code, bug.message], [500, 'internal_error', 'internal error']);
  });
});
