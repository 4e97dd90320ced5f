/**
 * The operator CLI (`scripts/ops/cli.ts --local`) run as a real child process against a local cloud's
 * data directory: with pipes, as an operator's script runs it, or under `script`, on a terminal.
 */
import { execFile } from 'node:child_process';
import { REPO_ROOT } from './synth';

const CLI_TIMEOUT_MS = 120_000;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI of the local cloud whose data directory `dataDir()` names (read at each run). */
export function operatorCli(dataDir: () => string) {
  const run = (file: string, args: string[], env: Record<string, string>): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(
        file,
        args,
        {
          cwd: REPO_ROOT,
          env: { ...process.env, NODE_NO_WARNINGS: '1', DIPLOWIRE_LOCAL_DIR: dataDir(), ...env },
          timeout: CLI_TIMEOUT_MS,
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });

  /** `node --import tsx scripts/ops/cli.ts --local <args>`: a real process with pipes (no TTY). */
  function ops(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return run(process.execPath, ['--import', 'tsx', 'scripts/ops/cli.ts', '--local', ...args], env);
  }

  /** The same under `script`, so stdout and stderr are a terminal (both come back on stdout). */
  function opsOnTerminal(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    const command = [process.execPath, '--import', 'tsx', 'scripts/ops/cli.ts', '--local', ...args]
      .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
      .join(' ');
    return run('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
      TERM: 'xterm',
      ...env,
    });
  }

  async function opsJson<T = Record<string, unknown>>(args: string[], expectedCode = 0): Promise<T> {
    const result = await ops([...args, '--json']);
    if (result.code !== expectedCode)
      throw new Error(`ops ${args.join(' ')} exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
    return JSON.parse(result.stdout) as T;
  }

  return { ops, opsOnTerminal, opsJson };
}
