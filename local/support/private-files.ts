import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';

/**
 * The data directory holds the demo API key, the database files (webhook signing secrets, key hashes)
 * and the event log: only its owner may read it. An existing directory is tightened too.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Writes a file only its owner can read (0600), atomically: it never exists with a wider mode. */
export function writePrivateFile(file: string, content: string): void {
  const staging = `${file}.${process.pid}.tmp`;
  writeFileSync(staging, content, { mode: 0o600 });
  // `mode` is masked by the umask and ignored for an existing file; make it exact.
  chmodSync(staging, 0o600);
  renameSync(staging, file);
}
