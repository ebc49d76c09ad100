// Transport for the loopback browser shell: JSON requests over ws://127.0.0.1:PORT/ws?token=…, images over HTTP.
import type { Channel, EventName, EventPayload, Request, Response, Transport } from '../../src-shared/ipc.js';
import { TransportError, type ConnectionState } from './transportError.js';

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
type Push = { event: string; payload: unknown };

interface Pending {
  channel: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** The part of the browser's WebSocket this transport uses, so tests can hand it a fake. */
export interface SocketLike {
  onopen: (() => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: (() => void) | null;
  send(text: string): void;
}
export type SocketFactory = (url: string) => SocketLike;

// Reached through globalThis so this module also type-checks (and is unit-tested) outside a DOM lib.
const browserSocket: SocketFactory = (url) => new (globalThis as unknown as { WebSocket: new (url: string) => SocketLike }).WebSocket(url);

export interface WebSocketTransport extends Transport {
  /** Connection state changes (the shell may restart); returns an unsubscribe. */
  onConnection(handler: (state: ConnectionState) => void): () => void;
}

/**
 * One socket, reopened with backoff when it drops. Requests made while it is down wait for it; requests in flight
 * when it drops fail (the service may or may not have acted, so retrying blindly could e.g. start a run twice).
 */
export function createWebSocketTransport(
  origin: { host: string; protocol: string },
  token: string,
  openSocket: SocketFactory = browserSocket,
): WebSocketTransport {
  const wsUrl = `${origin.protocol === 'https:' ? 'wss' : 'ws'}://${origin.host}/ws?token=${encodeURIComponent(token)}`;
  const pending = new Map<number, Pending>();
  const handlers = new Map<string, Set<(payload: unknown) => void>>();
  const connectionHandlers = new Set<(state: ConnectionState) => void>();
  const outbox: string[] = [];
  let nextId = 1;
  let socket: SocketLike | null = null;
  let state: ConnectionState = 'connecting';
  let retryMs = 250;

  const setState = (s: ConnectionState) => {
    state = s;
    connectionHandlers.forEach((h) => h(s));
  };

  function connect(): void {
    setState('connecting');
    const ws = openSocket(wsUrl);
    socket = ws;
    ws.onopen = () => {
      retryMs = 250;
      setState('open');
      for (const m of outbox.splice(0)) ws.send(m);
    };
    ws.onmessage = (ev) => dispatch(String(ev.data));
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      setState('closed');
      for (const p of pending.values()) p.reject(new TransportError(p.channel, 'connection to camscope lost; try again'));
      pending.clear();
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  }

  function dispatch(text: string): void {
    let msg: Reply | Push;
    try {
      msg = JSON.parse(text) as Reply | Push;
    } catch {
      console.warn('camscope: ignoring a non-JSON message');
      return;
    }
    if ('event' in msg) {
      handlers.get(msg.event)?.forEach((h) => h(msg.payload));
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(new TransportError(p.channel, msg.error));
  }

  connect();

  return {
    invoke<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>> {
      const id = nextId++;
      const text = JSON.stringify({ id, channel, payload: request });
      return new Promise<Response<C>>((resolve, reject) => {
        pending.set(id, { channel, resolve: resolve as (v: unknown) => void, reject });
        if (state === 'open' && socket) socket.send(text);
        else outbox.push(text);
      });
    },
    on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void {
      const set = handlers.get(event) ?? new Set();
      const h = handler as (payload: unknown) => void;
      set.add(h);
      handlers.set(event, set);
      return () => set.delete(h);
    },
    imageUrl(imageId: number, kind: 'thumb' | 'full'): string {
      return `/image/${imageId}?kind=${kind}&token=${encodeURIComponent(token)}`;
    },
    onConnection(handler) {
      connectionHandlers.add(handler);
      handler(state);
      return () => connectionHandlers.delete(handler);
    },
  };
}
