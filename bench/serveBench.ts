// `npm run bench:serve [-- --seconds 60 --clients 32 --images 200]`: a soak of the loopback server on a
// synthetic project (the bundled shapes-gap and shapes-fc models, CAM + Grad-CAM runs): the cold burst of
// 200 models.list, then C clients × mixed read requests (4 in flight each) with an oversized frame and a
// reconnect storm every few seconds. Prints p50/p99 latency, requests/s and the server's RSS over time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intOption, parseArgs } from '../src-main/cli/args.js';
import { generateSynth } from '../src-main/synth/generate.js';
import { frame, rawWebSocket } from '../test/helpers/rawWebSocket.js';
import { LoadClient, percentile, runClients, startLoadServer, thumbnail } from '../test/helpers/serveLoad.js';

const args = parseArgs(process.argv.slice(2), { seconds: {}, clients: {}, images: {} });
const seconds = intOption(args, 'seconds') ?? 60;
const clients = intOption(args, 'clients') ?? 32;
const count = intOption(args, 'images') ?? 200;

const dir = mkdtempSync(join(tmpdir(), 'camscope-serve-bench-'));
try {
  const images = join(dir, 'images');
  await generateSynth({ out: images, seed: 7, count, scenarios: ['single'], split: 'test', size: 128 });
  process.stderr.write(`setting up: ${count} images, 2 models, CAM + Grad-CAM runs …\n`);
  const server = await startLoadServer(join(dir, 'soak.camscope'), images, ['models/shapes-gap.onnx', 'models/shapes-fc.onnx']);
  process.once('exit', () => server.child.kill('SIGKILL'));
  const rss: [number, number][] = [[0, server.rssMiB()]];

  const burstStart = performance.now();
  const burst = await Promise.all(Array.from({ length: 8 }, () => LoadClient.open(server)));
  const lists = await Promise.all(Array.from({ length: 200 }, (_, i) => burst[i % 8]!.ask('models.list', {})));
  const burstMs = performance.now() - burstStart;
  burst.forEach((c) => c.close());
  console.log(`cold burst: 200 models.list in ${burstMs.toFixed(0)} ms (${lists.filter((r) => r.ok).length} answered)`);

  const start = performance.now();
  const elapsed = () => (performance.now() - start) / 1000;
  const until = () => elapsed() >= seconds;
  let hostileRounds = 0;
  const hostile = (async () => {
    while (!until()) {
      const big = await rawWebSocket(server.port, server.token);
      big.socket.write(frame(0x1, Buffer.alloc(256), { declared: 64 * 1024 * 1024 }));
      await big.closed;
      const storm = await Promise.all(Array.from({ length: 50 }, () => LoadClient.open(server)));
      storm.forEach((c) => c.close());
      await Promise.all(server.imageIds.slice(0, 20).map((id) => thumbnail(server, id)));
      hostileRounds++;
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
  const sampler = setInterval(() => rss.push([Math.round(elapsed()), server.rssMiB()]), 5000);
  const load = await runClients(server, { clients, requests: Number.MAX_SAFE_INTEGER, inFlight: 4, until });
  clearInterval(sampler);
  await hostile;
  rss.push([Math.round(elapsed()), server.rssMiB()]);
  const wall = elapsed();

  console.log(
    `soak: ${clients} clients × 4 in flight, ${wall.toFixed(1)} s, mixed read requests (project.info, models.list, images.query, images.detail, models.classes, runs.list, wsol.curve)`,
  );
  console.log(
    `requests: ${load.sent} sent, ${load.answered} answered, ${load.failed.length} failed${load.failed.length ? ` (first: ${load.failed[0]!.error})` : ''}`,
  );
  console.log(`throughput: ${(load.answered / wall).toFixed(0)} requests/s`);
  console.log(
    `latency: p50 ${percentile(load.latenciesMs, 50).toFixed(1)} ms, p99 ${percentile(load.latenciesMs, 99).toFixed(1)} ms, max ${load.latenciesMs.reduce((a, b) => Math.max(a, b), 0).toFixed(1)} ms`,
  );
  console.log(`hostile rounds (64 MiB frame → 1009, 50-socket reconnect storm, 20 thumbnails): ${hostileRounds}`);
  console.log(`server RSS (MiB) over time: ${rss.map(([s, m]) => `${s}s ${m.toFixed(0)}`).join(', ')}`);
  console.log(`SIGTERM: exit ${await server.stop()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
