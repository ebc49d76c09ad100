// Progress line on stderr: done/total, rate, ETA. Redrawn in place on a terminal, one line per second otherwise.
export class Progress {
  private readonly start = Date.now();
  private lastPrint = 0;

  constructor(
    private readonly total: number,
    private readonly unit: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number): void {
    const now = Date.now();
    const finished = done >= this.total;
    if (!finished && now - this.lastPrint < (this.stream.isTTY ? 100 : 1000)) return;
    this.lastPrint = now;
    const elapsed = (now - this.start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (this.total - done) / rate : 0;
    const line = `${done}/${this.total} ${this.unit} · ${rate.toFixed(1)} ${this.unit}/s · ETA ${formatSeconds(eta)}`;
    if (this.stream.isTTY) this.stream.write(`\r${line}\x1b[K${finished ? '\n' : ''}`);
    else this.stream.write(`${line}\n`);
  }
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${Math.round(s % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}
