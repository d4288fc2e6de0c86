// A rolling restart under load loses nothing: 3 instances behind nginx, each replaced in turn (SIGTERM, a new one on
// its port, ready) while requests keep flowing through nginx. Every request is counted; the goal is 0 failed and 0 5xx.
// The property Kubernetes relies on when it rolls a Deployment. `npm run bench:rollout` runs a longer one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCounts, hasNginx, NGINX, rollout } from '../harness/rollout.js';

// Outside CI a machine without nginx skips with a reason; in CI (.ci/run installs it) its absence is a failure.
const skip = !hasNginx() && !process.env.CI ? `needs ${NGINX} (apt-get install nginx)` : false;

describe('rolling restart behind nginx', { skip }, () => {
  it('replaces 3 instances one by one under steady load with 0 failed requests and 0 5xx', async () => {
    const counts = await rollout({
      instances: 3,
      concurrency: 4,
      settleMs: 3000,
      maxRequests: 200_000,
      maxSeconds: 240,
      log: (l) => console.log(l),
    });
    console.log(formatCounts(counts));
    assert.equal(counts.replaced, 3);
    assert.equal(counts.requests, counts.ok + counts.serverErrors + counts.otherStatus + counts.failed, 'every request is counted once');
    assert.ok(counts.requests >= 100, `too little load to prove anything: ${counts.requests} requests`);
    // The counts in the message: the reporter shows a failing test's assertion, not what it logged.
    assert.equal(counts.failed, 0, `requests with no answer: ${formatCounts(counts)}`);
    assert.equal(counts.serverErrors, 0, `5xx answers: ${formatCounts(counts)}`);
    assert.equal(counts.ok, counts.requests, 'every answer is a 200');
    assert.ok(counts.nginxRetries >= 1, 'the load never met a stopped instance, so the test proved nothing');
    for (const served of counts.servedByReplacements)
      assert.ok(served > 0, `a replacement got no traffic back: ${counts.servedByReplacements}`);
  });
});
