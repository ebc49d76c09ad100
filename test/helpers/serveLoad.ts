// Load for the browser shell, shared by the bounded test (test/hardening/serverLoad.test.ts) and the
// soak (`npm run bench:serve`): a served project in a child process, clients sending mixed read requests
// with a few in flight each, latency per request, and the server's resident memory.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

export interface LoadServer {
  child: ChildProcess;
  port: number;
  token: string;
  modelIds: number[];
  runIds: number[];
  imageIds: number[];
  /** Resident set size of the server process, in MiB. */
  rssMiB(): number;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export function startLoadServer(project: string, images: string, models: string[]): Promise<LoadServer> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('../hardening/children/loadServer.ts', import.meta.url)), project, images, ...models],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const info = JSON.parse(out.slice(0, nl)) as Pick<LoadServer, 'port' | 'token' | 'modelIds' | 'runIds' | 'imageIds'>;
      resolve({
        child,
        ...info,
        rssMiB: () => Number(execFileSync('ps', ['-o', 'rss=', '-p', String(child.pid)], { encoding: 'utf8' }).trim()) / 1024,
        stderr: () => stderr,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done(child.exitCode);
            child.once('exit', (code) => done(code));
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => reject(new Error(`the load server ended (${code}): ${stderr}`)));
  });
}

export type Reply = { id: number | null; ok: boolean; value?: unknown; error?: string };

/** One renderer-like connection: numbered requests, replies matched by id. */
export class LoadClient {
  private nextId = 1;
  private readonly pending = new Map<number, (r: Reply) => void>();
  readonly unmatched: Reply[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const msg = JSON.parse(String(d)) as Reply & { event?: string };
      if (msg.event) return;
      const done = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
      if (!done) return void this.unmatched.push(msg);
      this.pending.delete(msg.id!);
      done(msg);
    });
    ws.on('close', () => {
      for (const done of this.pending.values()) done({ id: null, ok: false, error: 'closed' });
      this.pending.clear();
    });
  }

  static open(server: Pick<LoadServer, 'port' | 'token'>): Promise<LoadClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new LoadClient(ws)));
      ws.once('error', reject);
    });
  }

  ask(channel: string, payload: unknown): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ id, channel, payload }));
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** The read requests a renderer makes while browsing, drawn in turn. */
export function mixedRequests(server: Pick<LoadServer, 'modelIds' | 'runIds' | 'imageIds'>): (i: number) => [string, unknown] {
  const pick = <T>(xs: T[], i: number) => xs[i % xs.length]!;
  const kinds: ((i: number) => [string, unknown])[] = [
    () => ['project.info', {}],
    () => ['models.list', {}],
    (i) => [
      'images.query',
      { offset: (i * 7) % 20, limit: 50, filters: {}, sort: i % 2 ? 'confidence' : 'id', order: 'desc', modelId: pick(server.modelIds, i) },
    ],
    (i) => ['images.detail', { imageId: pick(server.imageIds, i) }],
    (i) => ['models.classes', { modelId: pick(server.modelIds, i) }],
    () => ['runs.list', {}],
    (i) => ['wsol.curve', { runId: pick(server.runIds, i), thresholds: [0.1, 0.2, 0.3, 0.5], imageIds: server.imageIds.slice(0, 16) }],
  ];
  return (i) => kinds[i % kinds.length]!(Math.floor(i / kinds.length));
}

/** GET of a project thumbnail over HTTP, as the gallery does. */
export function thumbnail(server: Pick<LoadServer, 'port' | 'token'>, imageId: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: `/image/${imageId}?kind=thumb&token=${server.token}`,
        headers: { host: `127.0.0.1:${server.port}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export interface LoadResult {
  sent: number;
  answered: number;
  failed: Reply[];
  latenciesMs: number[];
}

/** `clients` connections × `requests` each, `inFlight` outstanding per connection; every reply checked. */
export async function runClients(
  server: Pick<LoadServer, 'port' | 'token' | 'modelIds' | 'runIds' | 'imageIds'>,
  opts: { clients: number; requests: number; inFlight: number; until?: () => boolean },
): Promise<LoadResult> {
  const next = mixedRequests(server);
  const result: LoadResult = { sent: 0, answered: 0, failed: [], latenciesMs: [] };
  const one = async (c: number) => {
    const client = await LoadClient.open(server);
    let i = 0;
    const lane = async () => {
      while (i < opts.requests && !(opts.until?.() ?? false)) {
        const [channel, payload] = next(c * opts.requests + i++);
        result.sent++;
        const began = performance.now();
        const reply = await client.ask(channel, payload);
        result.latenciesMs.push(performance.now() - began);
        if (reply.ok) result.answered++;
        else result.failed.push(reply);
      }
    };
    await Promise.all(Array.from({ length: opts.inFlight }, lane));
    client.close();
  };
  await Promise.all(Array.from({ length: opts.clients }, (_, c) => one(c)));
  return result;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
