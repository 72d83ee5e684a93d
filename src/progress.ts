/** Progress for long jobs: a bar with rate and ETA on a terminal, a plain line every few seconds otherwise. */
export class Progress {
  private started = performance.now();
  private lastPlain = 0;
  private lastDraw = 0;
  constructor(private label: string, private total: number, private mode: 'bar' | 'plain' | 'none', private unit = 'pairs', private startDone = 0) {}

  static modeFor(stream: NodeJS.WriteStream, requested?: 'auto' | 'bar' | 'plain' | 'none'): 'bar' | 'plain' | 'none' {
    if (requested && requested !== 'auto') return requested;
    return stream.isTTY ? 'bar' : 'plain';
  }

  setTotal(n: number): void { this.total = n; }

  update(done: number, force = false): void {
    if (this.mode === 'none') return;
    const now = performance.now();
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? (done - this.startDone) / secs : 0;
    const left = Math.max(0, this.total - done);
    const eta = rate > 0 ? fmtTime(left / rate) : '?';
    if (this.mode === 'bar') {
      if (!force && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      const width = 28, frac = this.total ? Math.min(1, done / this.total) : 0;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      process.stderr.write(`\r${this.label} [${bar}] ${done}/${this.total} ${this.unit}  ${rate.toFixed(1)}/s  ETA ${eta}   `);
    } else {
      if (!force && now - this.lastPlain < 5000) return;
      this.lastPlain = now;
      process.stderr.write(`${this.label}: ${done}/${this.total} ${this.unit} (${this.total ? ((100 * done) / this.total).toFixed(1) : '0'}%), ${rate.toFixed(1)} ${this.unit}/s, ETA ${eta}\n`);
    }
  }

  finish(done: number): void {
    this.update(done, true);
    if (this.mode === 'bar') process.stderr.write('\n');
  }
}

export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}
