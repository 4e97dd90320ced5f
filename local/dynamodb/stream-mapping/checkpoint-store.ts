import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Checkpoints } from './source';

/** Persists checkpoints as JSON, atomically (write then rename), one file per mapping. */
export class CheckpointStore {
  private readonly file: string;

  constructor(
    private readonly dir: string,
    id: string,
    private readonly streamArn: string,
  ) {
    this.file = join(dir, `esm-${id.replace(/[^A-Za-z0-9_.-]/g, '_')}.checkpoints.json`);
  }

  async load(): Promise<Checkpoints | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const saved = JSON.parse(text) as { streamArn?: string; checkpoints?: Checkpoints };
    // A different stream (the table was recreated) makes the old positions meaningless.
    if (saved.streamArn !== this.streamArn) return undefined;
    return saved.checkpoints ?? {};
  }

  async save(checkpoints: Checkpoints): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify({ streamArn: this.streamArn, checkpoints }, null, 2));
    await rename(temporary, this.file);
  }
}
