/** Append-only JSON-lines files under the bus's data directory; without a directory nothing is kept. */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export class JsonLinesFiles {
  constructor(private readonly dir: string | undefined) {}

  get enabled(): boolean {
    return this.dir !== undefined;
  }

  append(file: string, line: unknown): void {
    if (this.dir === undefined) return;
    mkdirSync(this.dir, { recursive: true });
    appendFileSync(join(this.dir, file), `${JSON.stringify(line)}\n`);
  }

  // biome-ignore lint/suspicious/noExplicitAny: persisted lines are our own JSON, read back field by field
  read(file: string): any[] {
    if (this.dir === undefined) return [];
    const path = join(this.dir, file);
    if (!existsSync(path)) return [];
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .flatMap((line) => {
        try {
          return [JSON.parse(line)];
        } catch {
          return []; // a torn last line after a crash
        }
      });
  }
}
