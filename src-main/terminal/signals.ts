// Ctrl-C and `kill` for long commands: the first SIGINT/SIGTERM asks the command to stop cleanly
// (finish the batch in hand, commit, release the project); a second one exits at once. Committed
// work is safe either way: every batch is one SQLite transaction.

const SIGNAL_NUMBER: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

/** Calls `first` on the first signal; a second exits with 128 + its number. Returns the uninstaller. */
export function onInterrupt(first: (signal: NodeJS.Signals) => void, err: (text: string) => void = (t) => process.stderr.write(t)): () => void {
  let seen = false;
  const handler = (signal: NodeJS.Signals) => {
    if (seen) {
      err(`camscope: ${signal} again: stopping now (committed batches are kept)\n`);
      process.exit(128 + (SIGNAL_NUMBER[signal] ?? 0));
    }
    seen = true;
    first(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** An AbortSignal that the first SIGINT/SIGTERM aborts, for commands that check it between batches. */
export function interruptSignal(onFirst: (signal: NodeJS.Signals) => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const dispose = onInterrupt((s) => {
    onFirst(s);
    controller.abort(s);
  });
  return { signal: controller.signal, dispose };
}

/** Runs a long command with an interrupt signal; the first Ctrl-C is acknowledged in one line on `err`. */
export async function withInterrupt<T>(err: (text: string) => void, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { signal, dispose } = interruptSignal((s) => err(`camscope: ${s}: finishing the batch in hand, then stopping (${s} again stops at once)\n`));
  try {
    return await work(signal);
  } finally {
    dispose();
  }
}
