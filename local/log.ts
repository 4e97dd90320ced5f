/**
 * The local cloud's one logger: `HH:MM:SS.mmm [component] line` on stderr, or into a sink the
 * orchestrator (or a test) installs. Dependency-free on purpose: every emulator imports it.
 */
export type Log = (line: string) => void;
export type LogSink = (formatted: string) => void;

const stderrSink: LogSink = (formatted) => {
  process.stderr.write(`${formatted}\n`);
};

let sink: LogSink = stderrSink;

/** Routes every logger (also ones created earlier) to `next`; `undefined` restores stderr. */
export function setLogSink(next: LogSink | undefined): void {
  sink = next ?? stderrSink;
}

export function createLog(component: string): Log {
  return (line) => {
    // A multi-line message keeps the prefix on every line, so the output stays greppable.
    for (const part of line.split(/\r?\n/)) sink(`${timestamp(new Date())} [${component}] ${part}`);
  };
}

function timestamp(now: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}`;
}
