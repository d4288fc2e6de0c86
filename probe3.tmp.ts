import { readFileSync } from 'node:fs';
import { buildApp } from './src/server/app.js';
import { loadConfig } from './src/server/config.js';
const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', EXECUTION_PROVIDER: 'cpu', PREPROCESS_THREADS: process.env.T ?? '0' }), { logger: false });
for (const f of ['examples/number.jpg', 'examples/number.png']) {
  try { const img = readFileSync(f);
  for (const q of ['', '?length=2', '?length=9']) { const t = performance.now(); const r = await app.inject({ method: 'POST', url: '/read' + q, headers: { 'content-type': 'image/jpeg' }, payload: img }); console.log(f, q, r.statusCode, (performance.now() - t).toFixed(0), r.body.slice(0, 120)); } } catch (e) { console.log(f, (e as Error).message); }
}
await app.close();
