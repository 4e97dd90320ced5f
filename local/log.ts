/**
 * The local cloud's one logger: `HH:MM:SS.mmm [component] line` on stderr, or into a sink the
 * orchestrator (or a test) installs. Dependency-free on purpose: every emulator imports it.
 */
export type Log = (line: string) => void;
export type LogSink = (formatted: string) => void;

/**
 * Lines to stderr, written once per event-loop turn instead of once per line: a busy local cloud logs
 * thousands of lines a second (every invocation, event, delivery), and a write per line cost a
 * syscall each here and a chunk each for whoever reads the pipe. Whatever is pending is written
 * synchronously when the process exits.
 */
function createBufferedStderr(maxPendingBytes = 64 * 1024): (line: string) => void {
  let pending: string[] = [];
  let pendingBytes = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    pendingBytes = 0;
    process.stderr.write(text);
  };
  process.on('exit', flush);
  return (line) => {
    pending.push(`${line}\n`);
    pendingBytes += line.length + 1;
    if (pendingBytes >= maxPendingBytes) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}

/** The process's one buffered stderr, shared so lines from every logger keep their order. */
export const writeStderrLine: (line: string) => void = createBufferedStderr();

const stderrSink: LogSink = writeStderrLine;

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

/** The local cloud's one clock (local time, milliseconds): every line `npm start` prints starts with it. */
export function clock(now = new Date()): string {
  return timestamp(now);
}

function timestamp(now: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}`;
}

/** A component's view of a log: every line starts with `[component]`. */
export function prefixed(log: Log, component: string): Log {
  return (line) => log(`[${component}] ${line}`);
}
