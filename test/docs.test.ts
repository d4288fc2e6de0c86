// GET /docs: openapi.yaml rendered by Swagger UI, every asset served by the service itself.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { appForTests } from './helpers/app.js';

const app = appForTests();

describe('GET /docs', () => {
  it("serves an HTML page whose scripts and styles are all the service's own", async () => {
    const res = await app().inject('/docs');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/html/);
    const assets = [...res.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !u.startsWith('#'));
    assert.ok(assets.length >= 3, res.body);
    for (const asset of assets) {
      assert.doesNotMatch(asset, /^(https?:)?\/\//, `${asset} would be fetched from elsewhere`);
      const url = new URL(asset, 'http://x/docs/').pathname;
      assert.equal((await app().inject(url)).statusCode, 200, url);
    }
  });

  it('renders the same contract as GET /openapi.yaml', async () => {
    const res = await app().inject('/docs/json');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), parse(readFileSync('openapi.yaml', 'utf8')));
  });

  it("does not serve the project's files", async () => {
    for (const url of ['/docs/package.json', '/docs/openapi.yaml', '/docs/static/../../package.json']) {
      assert.notEqual((await app().inject(url)).statusCode, 200, url);
    }
  });
});
