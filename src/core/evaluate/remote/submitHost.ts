// Where Slurm commands run and job files are written: this machine (sbatch on PATH, a work dir on
// a filesystem the compute nodes share), or a login node reached over SSH (commands by exec, files
// by SFTP).
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { dirname, posix } from 'node:path';
import { exportLine, shellQuote } from './shell';
import type { SshConnection, SshConnectionPool } from './sshConnection';

export interface CommandResult {
  /** null when the command was killed (timeout) or ended by a signal. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface SetupFileCopy {
  localPath: string;
  /** Absolute path on the submit host. */
  targetPath: string;
}

export interface SubmitHost {
  readonly label: string;
  /** Runs a short shell command (sbatch, squeue, scontrol, scancel, mkdir, rm). */
  run(command: string, timeoutMs?: number): Promise<CommandResult>;
  writeFile(path: string, text: string): Promise<void>;
  /** The file's content, undefined when absent; refuses files above maxBytes. */
  readFile(path: string, maxBytes: number): Promise<string | undefined>;
  /** The last `bytes` bytes of a file ('' when absent). */
  readTail(path: string, bytes: number): Promise<string>;
  /** Copies a local dir tree (optional) and single files to the submit host; returns the file count. */
  copySetup(setupDir: string | undefined, targetDir: string, files: SetupFileCopy[]): Promise<number>;
  dispose(): Promise<void>;
}

const COMMAND_TIMEOUT_MS = 60_000;
const MAX_COMMAND_OUTPUT = 4 * 1024 * 1024;

/** Slurm commands and files on this machine. */
export class LocalSubmitHost implements SubmitHost {
  readonly label = 'this machine';

  constructor(private readonly env: Record<string, string> = {}) {}

  run(command: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<CommandResult> {
    return new Promise((resolve) => {
      execFile(
        '/bin/sh',
        ['-c', command],
        { env: { ...process.env, ...this.env }, timeout: timeoutMs, maxBuffer: MAX_COMMAND_OUTPUT, encoding: 'utf8' },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
          const spawnProblem = error && typeof error.code === 'string' ? `${error.message}\n` : '';
          resolve({ exitCode: code, stdout, stderr: spawnProblem + stderr });
        },
      );
    });
  }

  async writeFile(path: string, text: string): Promise<void> {
    await fs.mkdir(dirname(path), { recursive: true });
    await fs.writeFile(path, text);
  }

  async readFile(path: string, maxBytes: number): Promise<string | undefined> {
    let size: number;
    try {
      size = (await fs.stat(path)).size;
    } catch {
      return undefined;
    }
    if (size > maxBytes) throw new Error(`${path} is ${size} bytes (limit ${maxBytes})`);
    return fs.readFile(path, 'utf8');
  }

  async readTail(path: string, bytes: number): Promise<string> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(path, 'r');
    } catch {
      return '';
    }
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, bytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  }

  async copySetup(setupDir: string | undefined, targetDir: string, files: SetupFileCopy[]): Promise<number> {
    await fs.mkdir(targetDir, { recursive: true });
    let count = 0;
    if (setupDir) {
      await fs.cp(setupDir, targetDir, { recursive: true });
      count += (await fs.readdir(setupDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
    }
    for (const file of files) {
      await fs.mkdir(dirname(file.targetPath), { recursive: true });
      await fs.copyFile(file.localPath, file.targetPath);
      count++;
    }
    return count;
  }

  async dispose(): Promise<void> {}
}

/** Slurm commands and files on a login node, over a pooled SSH connection. */
export class SshSubmitHost implements SubmitHost {
  readonly label: string;

  constructor(
    private readonly connection: SshConnection,
    private readonly pool: SshConnectionPool,
    private readonly env: Record<string, string> = {},
  ) {
    this.label = connection.label;
  }

  async run(command: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<CommandResult> {
    const signal = AbortSignal.timeout(timeoutMs);
    const outcome = await this.connection.run(`${exportLine(this.env)}${command}`, { signal, maxOutputBytes: MAX_COMMAND_OUTPUT });
    return { exitCode: outcome.aborted ? null : outcome.exitCode, stdout: outcome.stdoutTail, stderr: outcome.stderrTail };
  }

  async writeFile(path: string, text: string): Promise<void> {
    await this.connection.writeFile(path, text);
  }

  async readFile(path: string, maxBytes: number): Promise<string | undefined> {
    return (await this.connection.readFile(path, maxBytes))?.toString('utf8');
  }

  async readTail(path: string, bytes: number): Promise<string> {
    const result = await this.run(`tail -c ${Math.floor(bytes)} ${shellQuote(path)} 2>/dev/null || true`);
    return result.stdout;
  }

  async copySetup(setupDir: string | undefined, targetDir: string, files: SetupFileCopy[]): Promise<number> {
    const dirs = new Set([targetDir, ...files.map((f) => posix.dirname(f.targetPath))]);
    await this.connection.runChecked(`mkdir -p ${[...dirs].map(shellQuote).join(' ')}`, 'creating the setup dir');
    let count = setupDir ? await this.connection.uploadDirectory(setupDir, targetDir) : 0;
    for (const file of files) {
      await this.connection.uploadFile(file.localPath, file.targetPath);
      count++;
    }
    return count;
  }

  async dispose(): Promise<void> {
    await this.pool.release(this.connection);
  }
}
