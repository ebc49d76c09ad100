// The loopback browser shell: the renderer and the IPC contract over HTTP + WebSocket on 127.0.0.1,
// every request authorized by a random per-launch token, Host and Origin checked (DNS rebinding).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { events, type EventName, type EventPayload } from '../../src-shared/ipc.js';
import { type Handlers, dispatch } from '../services/router.js';
import type { ImageSource } from '../services/images.js';
import { contentSecurityPolicy } from './csp.js';
import { rendererFile } from './rendererFiles.js';

export interface BrowserShell {
  url: string;
  token: string;
  port: number;
  /** Pushes an event to every connected renderer. */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  close(): Promise<void>;
}

const COOKIE = 'camscope_token';
const MAX_MESSAGE = 4 * 1024 * 1024;

export async function startBrowserShell(opts: {
  handlers: Handlers;
  images: ImageSource;
  rendererDir: string;
  port?: number;
  token?: string;
}): Promise<BrowserShell> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const sockets = new Set<WebSocket>();
  let port = 0;

  const authorized = (req: IncomingMessage, url: URL): boolean => {
    const given = url.searchParams.get('token') ?? cookieToken(req.headers.cookie);
    if (!given) return false;
    const b = Buffer.from(given);
    return b.length === tokenBytes.length && timingSafeEqual(b, tokenBytes);
  };
  const hostOk = (req: IncomingMessage) => req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      if (!hostOk(req)) return send(res, 421, 'text/plain', 'wrong host');
      if (!authorized(req, url)) return send(res, 403, 'text/plain', 'camscope: a valid token is required');
      if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed');
      res.setHeader('Set-Cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      res.setHeader('Content-Security-Policy', contentSecurityPolicy({ connect: `ws://127.0.0.1:${port}` }));
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      const image = /^\/image\/(\d+)$/.exec(url.pathname);
      if (image) {
        const kind = url.searchParams.get('kind') === 'full' ? 'full' : 'thumb';
        const found = await opts.images.image(Number(image[1]), kind);
        return found ? send(res, 200, found.mime, found.bytes) : send(res, 404, 'text/plain', 'no such image');
      }
      serveStatic(opts.rendererDir, url.pathname, res);
    })().catch(() => send(res, 500, 'text/plain', 'internal error'));
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const origin = req.headers.origin;
    const originOk = origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
    if (url.pathname !== '/ws' || !hostOk(req) || !originOk || !authorized(req, url)) {
      socket.write('HTTP/1.1 403 Forbidden\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        let msg: unknown;
        try {
          msg = JSON.parse(String(data));
        } catch {
          ws.send(JSON.stringify({ id: null, ok: false, error: 'malformed message (not JSON)' }));
          return;
        }
        if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
          ws.send(JSON.stringify({ id: null, ok: false, error: 'malformed message (not a JSON object)' }));
          return;
        }
        const { id: given, channel, payload } = msg as { id?: unknown; channel?: unknown; payload?: unknown };
        const id = typeof given === 'number' ? given : null;
        void dispatch(opts.handlers, channel, payload).then((r) => ws.send(JSON.stringify({ id, ...r })));
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    emit(event, payload) {
      const text = JSON.stringify({ event, payload: events[event].parse(payload) });
      for (const s of sockets) s.send(text);
    },
    async close() {
      for (const s of sockets) s.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function cookieToken(cookie: string | undefined): string | null {
  const m = cookie?.split(';').map((c) => c.trim()).find((c) => c.startsWith(`${COOKIE}=`));
  return m ? m.slice(COOKIE.length + 1) : null;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

/** Files under the renderer build only; anything else (../, absolute, missing) is a 404. */
function serveStatic(root: string, pathname: string, res: ServerResponse): void {
  const found = rendererFile(root, pathname);
  if (!found || !existsSync(found.file) || !statSync(found.file).isFile()) return send(res, 404, 'text/plain', 'not found');
  res.writeHead(200, { 'Content-Type': found.mime });
  createReadStream(found.file).pipe(res);
}
