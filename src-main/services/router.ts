// Validates and dispatches IPC requests: unknown channels and malformed payloads are rejected with a
// one-line error; handler errors meant for users pass through, others become "internal error".
import { CamscopeError, firstLine } from '../errors.js';
import { type Channel, type Response, channels, isChannel } from '../../src-shared/ipc.js';
import type { z } from 'zod';

export type Handlers = {
  [C in Channel]: (request: z.infer<(typeof channels)[C]['request']>) => Promise<Response<C>>;
};

export type DispatchResult = { ok: true; value: unknown } | { ok: false; error: string };

export async function dispatch(handlers: Handlers, channel: unknown, payload: unknown): Promise<DispatchResult> {
  if (!isChannel(channel)) {
    // Only strings are echoed: String() of a hostile object can throw.
    return { ok: false, error: `unknown channel ${typeof channel === 'string' ? JSON.stringify(channel).slice(0, 80) : `(a ${typeof channel})`}` };
  }
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
