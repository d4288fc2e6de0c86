// The gRPC load generator of bench:serve, run as its own process (as wrk is) by grpc-drive.ts: one unary method called
// with the same pre-encoded request, `concurrency` calls always in flight, spread over connections as h2load's are
// (grpcConnections), for `seconds`. Requests are encoded once and answers are not decoded, as wrk neither builds nor parses bodies.
// argv: address method-path body-file concurrency seconds; prints one JSON line: { rps, p50, p99, errors }.
import { readFileSync } from 'node:fs';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { grpcConnections } from './grpc-drive.js';

const [address, method, bodyFile, concurrencyArg, secondsArg] = process.argv.slice(2);
const body = readFileSync(bodyFile);
const concurrency = Number(concurrencyArg);
const seconds = Number(secondsArg);
const bytes = (b: Buffer) => b;
const connections = grpcConnections(concurrency);
const clients = Array.from(
  { length: connections },
  () => new Client(address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
);
const metadata = new Metadata();
if (process.env.API_KEY) metadata.set('authorization', `Bearer ${process.env.API_KEY}`);

const latencies: number[] = [];
let errors = 0;
const call = (client: Client) =>
  new Promise<void>((resolve) => {
    const started = performance.now();
    client.makeUnaryRequest(method, bytes, bytes, body, metadata, (err) => {
      if (err) errors++;
      else latencies.push(performance.now() - started);
      resolve();
    });
  });

// Connect every client first, so that connection set-up is not measured.
await Promise.all(
  clients.map((c) => new Promise<void>((resolve, reject) => c.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())))),
);
const end = performance.now() + seconds * 1000;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async (_, i) => {
    while (performance.now() < end) await call(clients[i % connections]);
  }),
);
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
console.log(JSON.stringify({ rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), errors }));
for (const c of clients) c.close();
