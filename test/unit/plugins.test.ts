// Each service is a named plugin that says what it needs: registered without it, it fails at once and names it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import inference from '../../src/server/plugins/inference.js';
import modelReload from '../../src/server/plugins/model-reload.js';
import modelSlot from '../../src/server/plugins/model-slot.js';

describe('service plugins', () => {
  for (const [plugin, name, missing] of [
    [modelSlot, 'model-slot', 'metrics'],
    [inference, 'inference', 'metrics'],
    [modelReload, 'model-reload', 'model-slot'],
  ] as const) {
    it(`${name} refuses to load without ${missing}`, async () => {
      const app = Fastify({ logger: false });
      await assert.rejects(async () => app.register(plugin).ready(), new RegExp(`dependency '${missing}' of plugin '${name}'`));
      await app.close();
    });
  }
});
