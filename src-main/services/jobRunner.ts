// Runs explain jobs in a child process, relaying batches, and reporting crashes and cancellation.
import { fork } from 'node:child_process';
import { firstLine } from '../errors.js';
import { fileURLToPath } from 'node:url';
import type { WorkerJob, WorkerMessage } from './explainWorker.js';

export interface JobHandle {
  /** Resolves when the worker ends: 'done', 'cancelled', or 'failed' with the reason. */
  finished: Promise<{ status: 'done' | 'cancelled' | 'failed'; error: string | null }>;
  cancel(): void;
  /**
   * Asks the worker to stop after the batch in hand (which still arrives and is stored), killing it after
   * `graceMs`; `finished` then resolves 'cancelled'.
   */
  stop(graceMs?: number): void;
  /** The worker's process id. */
  pid: number | undefined;
}

/** How to start the worker: Node with tsx in development, the compiled worker beside a compiled CLI, a bundled script under Electron. */
export interface WorkerEntry {
  script: string;
  execArgv: string[];
  env?: NodeJS.ProcessEnv;
  /** The Node binary (default: this process's). */
  execPath?: string;
}

// Compiled (out/cli/<build>/, scripts/buildCli.mjs), this module sits in a chunk beside explainWorker.mjs of the same build.
const COMPILED = !import.meta.url.endsWith('.ts');

export const DEV_WORKER: WorkerEntry = COMPILED
  ? { script: fileURLToPath(new URL('./explainWorker.mjs', import.meta.url)), execArgv: [] }
  : { script: fileURLToPath(new URL('./explainWorker.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };

export function startJob(job: WorkerJob, onMessage: (m: WorkerMessage) => void | Promise<void>, entry = DEV_WORKER): JobHandle {
  const child = fork(entry.script, [], {
    execArgv: entry.execArgv,
    env: entry.env ?? process.env,
    ...(entry.execPath ? { execPath: entry.execPath } : {}),
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + String(d)).slice(-2000)));
  let cancelled = false;
  let failure: string | null = null;
  let done = false;
  // Messages are handled strictly in order, so a batch is stored before the next one arrives.
  let queue = Promise.resolve();
  child.on('message', (m: WorkerMessage) => {
    queue = queue
      .then(async () => {
        if (m.type === 'done') done = true;
        else if (m.type === 'error') failure = m.error;
        else await onMessage(m);
      })
      .catch((e: unknown) => {
        // A batch that cannot be stored ends the job as failed instead of taking the process down.
        failure ??= `cannot store results: ${(e as Error).message}`;
        child.kill('SIGTERM');
      });
  });
  const finished = new Promise<{ status: 'done' | 'cancelled' | 'failed'; error: string | null }>((resolve) => {
    // A worker that cannot start, or whose channel breaks, ends the job as failed, never the process
    // ('exit' does not follow a failed spawn).
    child.on('error', (e) => {
      failure ??= `the explain process failed: ${firstLine(e)}`;
      if (child.pid === undefined) resolve({ status: 'failed', error: failure });
    });
    child.on('exit', (code, signal) => {
      void queue.then(() => {
        if (cancelled) resolve({ status: 'cancelled', error: null });
        else if (failure) resolve({ status: 'failed', error: failure });
        else if (done) resolve({ status: 'done', error: null });
        else {
          const last = stderr.trim().split('\n').pop();
          resolve({ status: 'failed', error: `the explain process stopped (${signal ?? `exit ${code}`})${last ? `: ${last}` : ''}` });
        }
      });
    });
  });
  child.send(job);
  return {
    finished,
    pid: child.pid,
    cancel() {
      cancelled = true;
      child.kill('SIGTERM');
    },
    stop(graceMs = 15_000) {
      cancelled = true;
      if (!child.connected) return;
      child.send({ type: 'stop' }, (e) => e && child.kill('SIGTERM'));
      setTimeout(() => child.kill('SIGTERM'), graceMs).unref();
    },
  };
}
