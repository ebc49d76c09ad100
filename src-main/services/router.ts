// Validates and dispatches IPC requests: oversized payloads are refused before parsing, unknown channels
// and malformed payloads are rejected with a one-line error; handler errors meant for users pass through,
// others become "internal error". `RequestGate` bounds how much work the shells let pile up.
import { CamscopeError, firstLine } from '../errors.js';
import { type Channel, type EventName, type EventPayload, type Response, channels, isChannel } from '../../src-shared/ipc.js';
import type { z } from 'zod';

export type Handlers = {
  [C in Channel]: (request: z.infer<(typeof channels)[C]['request']>) => Promise<Response<C>>;
};

/** Pushes an event to the renderer (the shell's emit, once a shell is attached). */
export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export type DispatchResult = { ok: true; value: unknown } | { ok: false; error: string };

/** The largest request either shell takes: the WebSocket's frame limit, and the router's for Electron IPC. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** Nesting deeper than any request of the contract (zod recurses per level). */
const MAX_DEPTH = 32;

/**
 * An estimate of a payload's size in bytes (strings at a byte per code unit, as JSON's ASCII; 8 per number or key),
 * walked iteratively and stopped as soon as it passes `limit`, so a huge or cyclic value costs O(limit).
 * Returns the reason it is refused, or null.
 */
export function payloadTooLarge(value: unknown, limit = MAX_REQUEST_BYTES): string | null {
  let size = 0;
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (typeof v === 'string') size += v.length + 8;
    else if (typeof v !== 'object' || v === null) size += 8;
    else {
      if (depth >= MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
      if (ArrayBuffer.isView(v)) size += v.byteLength + 8;
      else if (v instanceof ArrayBuffer) size += v.byteLength + 8;
      else {
        const keys = Array.isArray(v) ? null : Object.keys(v);
        const n = keys ? keys.length : (v as unknown[]).length;
        size += 8 * (n + 1);
        if (size > limit) break;
        for (let i = 0; i < n && size <= limit; i++) {
          if (keys) size += keys[i]!.length;
          stack.push({ v: keys ? (v as Record<string, unknown>)[keys[i]!] : (v as unknown[])[i], depth: depth + 1 });
        }
      }
    }
    if (size > limit) break;
  }
  return size > limit ? `larger than ${limit / (1024 * 1024)} MiB` : null;
}

export async function dispatch(handlers: Handlers, channel: unknown, payload: unknown): Promise<DispatchResult> {
  if (!isChannel(channel)) {
    // Only strings are echoed: String() of a hostile object can throw.
    return { ok: false, error: `unknown channel ${typeof channel === 'string' ? JSON.stringify(channel).slice(0, 80) : `(a ${typeof channel})`}` };
  }
  const tooLarge = payloadTooLarge(payload);
  if (tooLarge) return { ok: false, error: `${channel}: request refused (${tooLarge})` };
  const parsed = channels[channel].request.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `${channel}: invalid request (${issue?.path.join('.') || 'payload'}: ${issue?.message})` };
  }
  try {
    const handler = handlers[channel] as (r: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (e) {
    if (e instanceof CamscopeError) return { ok: false, error: e.message };
    return { ok: false, error: `${channel}: internal error (${firstLine(e)})` };
  }
}

export interface GateLimits {
  /** Handlers running at once (the rest wait in the queue). */
  concurrency: number;
  /** Requests waiting, all clients together; beyond it a request is answered "busy" at once. */
  queue: number;
  /** Requests one client (socket, window) may have unanswered. */
  perClient: number;
}

export const DEFAULT_GATE_LIMITS: GateLimits = { concurrency: 16, queue: 2048, perClient: 256 };

/** What the gate tracks per connection. */
export interface GateClient {
  pending: number;
}

/**
 * Bounded admission for the router: a fixed number of handlers at a time, a bounded queue, a cap per client.
 * Each queued request starts from a fresh macrotask (setImmediate), so a burst of synchronous store queries
 * yields to socket I/O between requests instead of running as one long chain of microtasks.
 */
export class RequestGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly handlers: Handlers,
    readonly limits: GateLimits = DEFAULT_GATE_LIMITS,
  ) {}

  newClient(): GateClient {
    return { pending: 0 };
  }

  /** Requests admitted and not yet answered. */
  get load(): number {
    return this.running + this.waiting.length;
  }

  async dispatch(client: GateClient, channel: unknown, payload: unknown): Promise<DispatchResult> {
    const name = typeof channel === 'string' ? channel.slice(0, 80) : 'request';
    if (client.pending >= this.limits.perClient) {
      return { ok: false, error: `${name}: busy (this connection has ${this.limits.perClient} requests unanswered; wait for their answers)` };
    }
    if (this.waiting.length >= this.limits.queue) {
      return { ok: false, error: `${name}: busy (${this.limits.queue} requests are waiting; try again shortly)` };
    }
    client.pending++;
    try {
      await new Promise<void>((start) => {
        this.waiting.push(start);
        this.pump();
      });
      try {
        return await dispatch(this.handlers, channel, payload);
      } finally {
        this.running--;
        this.pump();
      }
    } finally {
      client.pending--;
    }
  }

  private pump(): void {
    while (this.running < this.limits.concurrency && this.waiting.length) {
      const start = this.waiting.shift()!;
      this.running++;
      setImmediate(start);
    }
  }
}
