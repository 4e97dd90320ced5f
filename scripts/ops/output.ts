/**
 * Output conventions of the operator CLI: plain tables for people, one JSON document for scripts,
 * colours only on a terminal (and never with NO_COLOR), a progress bar on stderr only on a terminal.
 */

export interface Writable {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Colours on a TTY unless NO_COLOR is set (https://no-color.org) or the terminal is dumb; FORCE_COLOR forces. */
export function colourEnabled(stream: Writable, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39] } as const;
export type Style = keyof typeof CODES;

export type Paint = (style: Style, text: string) => string;

export function painter(enabled: boolean): Paint {
  return (style, text) => (enabled ? `\u001b[${CODES[style][0]}m${text}\u001b[${CODES[style][1]}m` : text);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matches the colour codes painter() writes
const ANSI = /\u001b\[[0-9;]*m/g;

/** Width on screen: colour codes take none; combining marks take none. */
export function displayWidth(text: string): number {
  return [...text.replace(ANSI, '').normalize('NFC')].filter((c) => !/\p{M}/u.test(c)).length;
}

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/** A plain-text table: a header row, then one row per entry, columns two spaces apart. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => columns.map((_, i) => (row[i] ?? '').replace(/[\r\n\t]+/g, ' ')));
  const widths = columns.map((column, i) =>
    Math.max(displayWidth(column.header), ...cells.map((row) => displayWidth(row[i] ?? ''))),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(cell)));
        return columns[i]?.align === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return `${[line(columns.map((c) => c.header)), ...cells.map(line)].join('\n')}\n`;
}

/** `[##########----------]  50%`: the bar of a fraction 0..1. */
export function renderBar(fraction: number, width = 30): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

/** A one-line progress bar redrawn in place; it draws nothing unless enabled (a TTY, not --json). */
export class ProgressBar {
  private drawn = false;

  constructor(
    private readonly stream: Writable,
    private readonly label: string,
    private readonly enabled: boolean,
  ) {}

  update(fraction: number, detail = ''): void {
    if (!this.enabled) return;
    this.stream.write(`\r\u001b[2K${this.label} ${renderBar(fraction)} ${detail}`.trimEnd());
    this.drawn = true;
  }

  /** Ends the line so what follows starts on a fresh one. */
  finish(): void {
    if (this.enabled && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

/** One JSON document, then a newline. */
export function writeJson(stream: Writable, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
