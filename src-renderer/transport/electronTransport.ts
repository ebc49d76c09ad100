// Transport for the Electron shell: the preload's contextBridge API (window.camscope) and the camscope-image:// scheme.
import type { Channel, EventName, EventPayload, Request, Response, Transport } from '../../src-shared/ipc.js';
import { TransportError, errorMessage } from './transportError.js';

/** What the preload exposes; only plain data crosses the bridge. */
export interface CamscopeBridge {
  invoke(channel: string, payload: unknown): Promise<unknown>;
  /** Returns an unsubscribe function (a bridge without one simply cannot unsubscribe). */
  on(event: string, handler: (payload: unknown) => void): (() => void) | void;
  /** Where a dropped file lives (webUtils.getPathForFile); absent in preloads that do not offer it. */
  pathForFile?(file: File): string;
}

declare global {
  interface Window {
    camscope?: CamscopeBridge;
  }
}

/** Whether the reply is the router's {ok, value | error} envelope, which the Electron main process returns as is. */
function isEnvelope(v: unknown): v is { ok: true; value: unknown } | { ok: false; error: string } {
  return typeof v === 'object' && v !== null && 'ok' in v && typeof v.ok === 'boolean' && ('value' in v || 'error' in v);
}

export function createElectronTransport(bridge: CamscopeBridge): Transport {
  return {
    async invoke<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>> {
      let reply: unknown;
      try {
        reply = await bridge.invoke(channel, request);
      } catch (e) {
        throw new TransportError(channel, errorMessage(e));
      }
      if (isEnvelope(reply)) {
        if (!reply.ok) throw new TransportError(channel, reply.error);
        return reply.value as Response<C>;
      }
      return reply as Response<C>;
    },
    on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void {
      const off = bridge.on(event, handler as (payload: unknown) => void);
      return typeof off === 'function' ? off : () => {};
    },
    imageUrl(imageId: number, kind: 'thumb' | 'full'): string {
      return `camscope-image://${imageId}/${kind}`;
    },
  };
}
