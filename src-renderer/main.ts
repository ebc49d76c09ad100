// Renderer entry: picks the transport for the shell it runs in, then mounts the app.
import { mount } from 'svelte';
import type { Transport } from '../src-shared/ipc.js';
import App from './App.svelte';
import './app.css';
import { AppState, appContext } from './state/app.svelte.js';
import { createElectronTransport } from './transport/electronTransport.js';
import { createWebSocketTransport } from './transport/webSocketTransport.js';

async function pickTransport(params: URLSearchParams): Promise<{ transport: Transport; fatal?: string }> {
  if (params.get('mock') === '1') {
    // Loaded on demand: the mock (and the zod it validates with) stays out of the shells' startup path.
    const { createMockTransport } = await import('./transport/mockTransport.js');
    const latency = Number(params.get('latency') ?? 20);
    return { transport: createMockTransport({ empty: params.get('empty') === '1', latencyMs: latency }) };
  }
  if (window.camscope) return { transport: createElectronTransport(window.camscope) };
  const token = params.get('token');
  const transport = createWebSocketTransport(location, token ?? '');
  return token ? { transport } : { transport, fatal: 'This page needs the token from the camscope launcher: open the address it printed.' };
}

const params = new URLSearchParams(location.search);
const { transport, fatal } = await pickTransport(params);
const app = new AppState(transport);
mount(App, { target: document.getElementById('app')!, props: { fatal: fatal ?? null }, context: appContext(app) });
if (!fatal) void app.init();
