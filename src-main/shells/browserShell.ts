// The loopback browser shell: the renderer and the IPC contract over HTTP + WebSocket on 127.0.0.1,
// every request authorized by a random per-launch token, Host and Origin checked (DNS rebinding).
// No client can take it down: a frame too big, a broken frame, a client that stops reading or floods
// closes that one connection with a reason (logged once); requests pass a bounded RequestGate.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { events, type EventName, type EventPayload } from '../../src-shared/ipc.js';
import { firstLine } from '../errors.js';
import { type GateLimits, type Handlers, MAX_REQUEST_BYTES, RequestGate } from '../services/router.js';
import type { ImageSource } from '../services/images.js';
import { contentSecurityPolicy } from './csp.js';
import { rendererFile } from './rendererFiles.js';

export interface BrowserShell {
  url: string;
  token: string;
  port: number;
  /** Pushes an event to every connected renderer. */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Stops accepting, closes every socket (1001) and waits for the server to end. */
  close(): Promise<void>;
}

const COOKIE = 'camscope_token';
/** Answers and events queued for a socket beyond this mean its client stopped reading: it is dropped. */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** Open sockets at once (a reconnect storm beyond it is refused with 503 until some close). */
export const MAX_SOCKETS = 256;

/** Close codes (RFC 6455) with the reason each carries to the client. */
const CLOSE_REASONS: Record<number, string> = {
  1001: 'camscope is shutting down',
  1002: 'malformed WebSocket frame',
  1007: 'message is not valid UTF-8',
  1009: `message too big (limit ${MAX_REQUEST_BYTES / (1024 * 1024)} MiB)`,
};

/** ws closes a connection on a protocol error with a bare code; this gives the client the reason too. */
class ShellSocket extends WebSocket {
  override close(code?: number, reason?: string | Buffer): void {
    super.close(code, reason ?? (code !== undefined ? CLOSE_REASONS[code] : undefined));
  }
}

export async function startBrowserShell(opts: {
  handlers: Handlers;
  images: ImageSource;
  rendererDir: string;
  port?: number;
  token?: string;
  limits?: GateLimits;
  /** Where one line per dropped connection goes (default stderr). */
  log?: (line: string) => void;
}): Promise<BrowserShell> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  /** Open sockets, each with its send path (which drops a client that stopped reading). */
  const sockets = new Map<WebSocket, (text: string) => void>();
  const gate = new RequestGate(opts.handlers, opts.limits);
  const log = opts.log ?? ((line: string) => process.stderr.write(`camscope: ${line}\n`));
  let closing = false;
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

  // Broken HTTP from a client ends that connection only; a server error after listening is logged.
  server.on('clientError', (_err, socket: Socket) => socket.destroy());
  server.on('error', (e) => log(`server error: ${firstLine(e)}`));

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES, WebSocket: ShellSocket });
  server.on('upgrade', (req, socket: Socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const origin = req.headers.origin;
    const originOk = origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
    if (url.pathname !== '/ws' || !hostOk(req) || !originOk || !authorized(req, url)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    if (closing || sockets.size >= MAX_SOCKETS) {
      socket.end(`HTTP/1.1 503 Service Unavailable\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => connection(ws));
  });

  /** One renderer connection: its requests go through the gate; any failure ends it alone. */
  function connection(ws: WebSocket): void {
    const client = gate.newClient();
    let logged = false;
    const drop = (why: string) => {
      if (!logged) log(`closed a connection: ${why}`);
      logged = true;
    };
    const reply = (text: string) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        drop(`its client stopped reading (${Math.round(ws.bufferedAmount / (1024 * 1024))} MiB unsent)`);
        ws.terminate();
        return;
      }
      ws.send(text);
    };
    sockets.set(ws, reply);
    ws.on('close', () => sockets.delete(ws));
    // ws has already answered a protocol error (oversized or malformed frame) with its close code.
    ws.on('error', (e) => drop(`${firstLine(e)}${(e as { code?: string }).code ? ` (${(e as { code?: string }).code})` : ''}`));
    ws.on('message', (data, isBinary) => {
      let msg: unknown;
      try {
        msg = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data));
      } catch {
        reply(JSON.stringify({ id: null, ok: false, error: 'malformed message (not JSON)' }));
        return;
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
        reply(JSON.stringify({ id: null, ok: false, error: 'malformed message (not a JSON object)' }));
        return;
      }
      const { id: given, channel, payload } = msg as { id?: unknown; channel?: unknown; payload?: unknown };
      const id = typeof given === 'number' ? given : null;
      void gate
        .dispatch(client, channel, payload)
        .then((r) => reply(JSON.stringify({ id, ...r })))
        .catch((e: unknown) => reply(JSON.stringify({ id, ok: false, error: `internal error (${firstLine(e)})` })));
    });
  }

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
      for (const reply of sockets.values()) reply(text);
    },
    async close() {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      const open = [...sockets.keys()];
      for (const s of open) s.close(1001);
      // Clients get a moment to answer the close; then whatever is left is cut.
      await Promise.race([Promise.all(open.map((s) => new Promise((r) => s.once('close', r)))), new Promise((r) => setTimeout(r, 500).unref())]);
      for (const s of open) s.terminate();
      wss.close();
      server.closeAllConnections();
      await stopped;
    },
  };
}

function cookieToken(cookie: string | undefined): string | null {
  const m = cookie
    ?.split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${COOKIE}=`));
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
  // A file that vanishes or fails mid-read ends this response, not the server.
  pipeline(createReadStream(found.file), res, () => {});
}
