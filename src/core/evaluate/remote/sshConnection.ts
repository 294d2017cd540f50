// One SSH connection per host config, shared by the evaluations of a run: host key checked against
// known_hosts, key-file or ssh-agent auth, exec with bounded streaming output, SFTP transfers, and
// reconnection after a drop (operations caught by a drop fail with SshConnectionLostError so that
// the caller can decide whether to retry).
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { join, posix, relative, sep } from 'node:path';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { TailBuffer } from '../tailBuffer';
import { checkHostKey, entriesForHost, hostKeyAlgorithmsFor, knownHostsName, parseKnownHosts, type HostKeyCheck } from './knownHosts';
import { Semaphore } from './semaphore';
import { shellQuote } from './shell';
import { errorText } from '../../util/errorText';

export interface SshHostConfig {
  host: string;
  /** Default 22. */
  port?: number;
  user: string;
  /** Private key file (OpenSSH or PEM format). */
  privateKeyPath?: string;
  passphrase?: string;
  /** Authenticate with an ssh-agent. Default: true when no privateKeyPath is given. */
  useAgent?: boolean;
  /** The agent's socket; default $SSH_AUTH_SOCK. */
  agentSocket?: string;
  /** Default ~/.ssh/known_hosts. The host must be in it: unknown hosts are refused. */
  knownHostsPath?: string;
  /** Default 20 s. */
  connectTimeoutMs?: number;
  /** Keepalive probe interval; three missed probes count as a drop. Default 10 s. */
  keepaliveIntervalMs?: number;
  /** Exec channels open at once on this connection (sshd's MaxSessions is 10 by default). Default 8. */
  maxChannels?: number;
}

/** The connection went away while an operation was using it; the operation may be retried. */
export class SshConnectionLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SshConnectionLostError';
  }
}

/** The server's host key is unknown, changed or revoked: never retried. */
export class SshHostKeyError extends Error {
  constructor(
    message: string,
    readonly kind: 'unknown' | 'mismatch' | 'revoked',
  ) {
    super(message);
    this.name = 'SshHostKeyError';
  }
}

export interface SshExecOptions {
  /** Total stdout + stderr bytes after which output is dropped and onOutputLimit is called. */
  maxOutputBytes?: number;
  /** Bytes of each stream's tail kept. Default 64 KiB. */
  tailBytes?: number;
  onOutputLimit?: () => void;
  /** Closes the channel (the remote process is not killed: that is the caller's job). */
  signal?: AbortSignal;
  /** Skip the channel limit: for short control commands (kills) that must not wait behind evaluations. */
  urgent?: boolean;
  stdin?: string;
}

export interface SshExecOutcome {
  /** null when the command ended by a signal or sent no exit status. */
  exitCode: number | null;
  signal: string | null;
  stdoutTail: string;
  stderrTail: string;
  stdoutBytes: number;
  stderrBytes: number;
  outputLimited: boolean;
  aborted: boolean;
  durationMs: number;
}

export interface SshExecHandle {
  done: Promise<SshExecOutcome>;
  /** Closes the channel; `done` then settles with what was received. */
  close(): void;
}

const SSH2_HOST_KEY_ALGORITHMS = new Set([
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-dss',
]);
type HostKeyAlgorithm = NonNullable<ConnectConfig['algorithms']> extends { serverHostKey?: infer L } ? (L extends (infer A)[] ? A : never) : never;
const SFTP_NO_SUCH_FILE = 2;
/** How long to wait, after a channel closed without an exit status, for the connection's own close. */
const LOST_SETTLE_MS = 100;

interface LiveClient {
  client: Client;
  sftp?: Promise<SFTPWrapper>;
  lost?: Error;
  onLost: Set<(error: Error) => void>;
}

/** A leading `~/` means the home dir, as in ssh_config. */
function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

export function describeHost(config: SshHostConfig): string {
  const port = config.port ?? 22;
  return `${config.user}@${config.host}${port === 22 ? '' : `:${port}`}`;
}

export class SshConnection {
  readonly label: string;
  private live: LiveClient | undefined;
  private connecting: Promise<LiveClient> | undefined;
  private closed = false;
  private readonly channels: Semaphore;
  /** Connections made so far (1 after the first connect; more after drops). */
  connectCount = 0;

  constructor(readonly config: SshHostConfig) {
    this.label = describeHost(config);
    this.channels = new Semaphore(config.maxChannels ?? 8);
  }

  /** Connects if not connected (or reconnects after a drop); concurrent callers share one attempt. */
  async connect(signal?: AbortSignal): Promise<void> {
    await this.liveClient(signal);
  }

  private liveClient(signal?: AbortSignal): Promise<LiveClient> {
    if (this.closed) return Promise.reject(new Error(`SSH connection to ${this.label} was closed`));
    if (this.live && !this.live.lost) return Promise.resolve(this.live);
    this.connecting ??= this.open(signal).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async authConfig(): Promise<Pick<ConnectConfig, 'privateKey' | 'passphrase' | 'agent'>> {
    const privateKeyPath = this.config.privateKeyPath ? expandHome(this.config.privateKeyPath) : undefined;
    const { passphrase } = this.config;
    const useAgent = this.config.useAgent ?? !privateKeyPath;
    const auth: Pick<ConnectConfig, 'privateKey' | 'passphrase' | 'agent'> = {};
    if (privateKeyPath) {
      try {
        auth.privateKey = await fs.readFile(privateKeyPath);
      } catch (error) {
        throw new Error(`cannot read SSH private key ${privateKeyPath}: ${errorText(error)}`);
      }
      if (passphrase) auth.passphrase = passphrase;
    }
    if (useAgent) {
      const socket = this.config.agentSocket ?? process.env.SSH_AUTH_SOCK;
      if (socket) auth.agent = socket;
      else if (!privateKeyPath) throw new Error(`no SSH credentials for ${this.label}: set privateKeyPath or start an ssh-agent (SSH_AUTH_SOCK is not set)`);
    }
    return auth;
  }

  private async open(signal?: AbortSignal): Promise<LiveClient> {
    const port = this.config.port ?? 22;
    const knownHostsPath = expandHome(this.config.knownHostsPath ?? '~/.ssh/known_hosts');
    let knownHostsText: string;
    try {
      knownHostsText = await fs.readFile(knownHostsPath, 'utf8');
    } catch (error) {
      throw new SshHostKeyError(`host key for ${knownHostsName(this.config.host, port)} not in known_hosts: cannot read ${knownHostsPath} (${errorText(error)})`, 'unknown');
    }
    const entries = parseKnownHosts(knownHostsText);
    const applicable = entriesForHost(entries, this.config.host, port);
    if (!applicable.some((e) => e.marker === undefined)) {
      const check = checkHostKey(entries, this.config.host, port, Buffer.alloc(0), knownHostsPath);
      if (!check.ok) throw new SshHostKeyError(check.message, check.kind);
    }
    const auth = await this.authConfig();
    const algorithms = hostKeyAlgorithmsFor(applicable).filter((a): a is HostKeyAlgorithm => SSH2_HOST_KEY_ALGORITHMS.has(a));

    return new Promise<LiveClient>((resolve, reject) => {
      const client = new Client();
      const live: LiveClient = { client, onLost: new Set() };
      let ready = false;
      let hostKeyProblem: Extract<HostKeyCheck, { ok: false }> | undefined;
      const onAbort = () => {
        client.end();
        reject(new Error(`SSH connection to ${this.label} cancelled`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const markLost = (error: Error) => {
        if (live.lost) return;
        live.lost = error;
        live.sftp = undefined;
        for (const listener of [...live.onLost]) listener(error);
        live.onLost.clear();
        client.end();
      };
      client.on('ready', () => {
        ready = true;
        signal?.removeEventListener('abort', onAbort);
        this.connectCount++;
        this.live = live;
        resolve(live);
      });
      client.on('error', (error: Error) => {
        if (ready) {
          markLost(error);
          return;
        }
        signal?.removeEventListener('abort', onAbort);
        if (hostKeyProblem) reject(new SshHostKeyError(hostKeyProblem.message, hostKeyProblem.kind));
        else reject(new Error(`SSH connection to ${this.label} failed: ${error.message}`));
      });
      client.on('close', () => {
        if (!ready) {
          signal?.removeEventListener('abort', onAbort);
          reject(new Error(`SSH connection to ${this.label} closed before it was ready`));
        }
        markLost(new Error('connection closed'));
      });
      client.connect({
        host: this.config.host,
        port,
        username: this.config.user,
        ...auth,
        readyTimeout: this.config.connectTimeoutMs ?? 20_000,
        keepaliveInterval: this.config.keepaliveIntervalMs ?? 10_000,
        keepaliveCountMax: 3,
        ...(algorithms.length > 0 ? { algorithms: { serverHostKey: algorithms } } : {}),
        hostVerifier: (key: Buffer) => {
          const check = checkHostKey(entries, this.config.host, port, key, knownHostsPath);
          if (!check.ok) hostKeyProblem = check;
          return check.ok;
        },
      });
    });
  }

  private lostError(live: LiveClient, during: string): SshConnectionLostError {
    return new SshConnectionLostError(`connection to ${this.label} lost during ${during}: ${live.lost?.message ?? 'closed'}`);
  }

  /** Runs `command` (through the login shell) with bounded output; see SshExecHandle. */
  exec(command: string, options: SshExecOptions = {}): SshExecHandle {
    let closeChannel: (() => void) | undefined;
    let closeRequested = false;
    const done = this.runExec(command, options, (close) => {
      closeChannel = close;
      if (closeRequested) close();
    });
    return {
      done,
      close: () => {
        closeRequested = true;
        closeChannel?.();
      },
    };
  }

  /** exec() and wait; for short control commands. */
  run(command: string, options: SshExecOptions = {}): Promise<SshExecOutcome> {
    return this.exec(command, options).done;
  }

  private async runExec(command: string, options: SshExecOptions, exposeClose: (close: () => void) => void): Promise<SshExecOutcome> {
    const live = await this.liveClient(options.signal);
    const release = options.urgent ? () => undefined : await this.channels.acquire(options.signal);
    const started = Date.now();
    const tailBytes = options.tailBytes ?? 64 * 1024;
    const stdout = new TailBuffer(tailBytes);
    const stderr = new TailBuffer(tailBytes);
    let outputLimited = false;
    let aborted = false;
    return new Promise<SshExecOutcome>((resolve, reject) => {
      let settled = false;
      let stream: ClientChannel | undefined;
      let exitCode: number | null = null;
      let exitSignal: string | null = null;
      let sawExit = false;
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        release();
        live.onLost.delete(onLost);
        options.signal?.removeEventListener('abort', onAbort);
        if (error) {
          reject(error);
          return;
        }
        resolve({
          exitCode,
          signal: exitSignal,
          stdoutTail: stdout.text(),
          stderrTail: stderr.text(),
          stdoutBytes: stdout.totalBytes,
          stderrBytes: stderr.totalBytes,
          outputLimited,
          aborted,
          durationMs: Date.now() - started,
        });
      };
      const onLost = () => finish(this.lostError(live, 'a command'));
      const onAbort = () => {
        aborted = true;
        stream?.close();
        if (!stream) finish();
      };
      if (live.lost) {
        finish(this.lostError(live, 'a command'));
        return;
      }
      live.onLost.add(onLost);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const take = (buffer: TailBuffer) => (chunk: Buffer) => {
        if (outputLimited) return;
        buffer.push(chunk);
        const limit = options.maxOutputBytes;
        if (limit !== undefined && stdout.totalBytes + stderr.totalBytes > limit) {
          outputLimited = true;
          options.onOutputLimit?.();
        }
      };
      try {
        live.client.exec(command, (error, channel) => {
          if (error) {
            if (live.lost) finish(this.lostError(live, 'opening a channel'));
            else finish(new Error(`could not open an SSH channel on ${this.label}: ${error.message}`));
            return;
          }
          stream = channel;
          exposeClose(() => channel.close());
          if (options.signal?.aborted) onAbort();
          channel.on('data', take(stdout));
          channel.stderr.on('data', take(stderr));
          channel.on('exit', (code: number | null, signalName?: string) => {
            sawExit = true;
            exitCode = typeof code === 'number' ? code : null;
            exitSignal = signalName ? (signalName.startsWith('SIG') ? signalName : `SIG${signalName}`) : null;
          });
          channel.on('close', () => {
            if (sawExit || aborted) {
              finish();
              return;
            }
            // Without an exit status the channel may have died with the connection: let its close arrive first.
            setTimeout(() => finish(live.lost ? this.lostError(live, 'a command') : undefined), LOST_SETTLE_MS);
          });
          if (options.stdin !== undefined) channel.end(options.stdin);
          else channel.end();
        });
      } catch (error) {
        finish(live.lost ? this.lostError(live, 'a command') : new Error(`SSH exec failed on ${this.label}: ${errorText(error)}`));
      }
    });
  }

  private async sftpSession(live: LiveClient): Promise<SFTPWrapper> {
    live.sftp ??= new Promise<SFTPWrapper>((resolve, reject) => {
      live.client.sftp((error, sftp) => {
        if (error) {
          live.sftp = undefined;
          reject(live.lost ? this.lostError(live, 'opening SFTP') : new Error(`could not open SFTP on ${this.label}: ${error.message}`));
          return;
        }
        sftp.on('close', () => {
          if (live.sftp) live.sftp = undefined;
        });
        resolve(sftp);
      });
    });
    return live.sftp;
  }

  /** Runs one SFTP operation; a drop while it runs rejects with SshConnectionLostError. */
  private async withSftp<T>(during: string, operation: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    const live = await this.liveClient();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const onLost = () => settle(() => reject(this.lostError(live, during)));
      const settle = (action: () => void) => {
        if (settled) return;
        settled = true;
        live.onLost.delete(onLost);
        action();
      };
      if (live.lost) {
        reject(this.lostError(live, during));
        return;
      }
      live.onLost.add(onLost);
      this.sftpSession(live)
        .then(operation)
        .then(
          (value) => settle(() => resolve(value)),
          (error: unknown) =>
            settle(() => reject(live.lost ? this.lostError(live, during) : error instanceof Error ? error : new Error(String(error)))),
        );
    });
  }

  async writeFile(remotePath: string, data: string | Buffer): Promise<void> {
    await this.withSftp(`upload of ${remotePath}`, (sftp) =>
      new Promise<void>((resolve, reject) =>
        sftp.writeFile(remotePath, data, (error?: Error | null) =>
          error ? reject(new Error(`SFTP write ${remotePath} on ${this.label}: ${error.message}`)) : resolve(),
        ),
      ),
    );
  }

  /** Creates one directory (its parent must exist). */
  async mkdir(remotePath: string): Promise<void> {
    await this.withSftp(`mkdir ${remotePath}`, (sftp) =>
      new Promise<void>((resolve, reject) =>
        sftp.mkdir(remotePath, (error?: Error | null) =>
          error ? reject(new Error(`SFTP mkdir ${remotePath} on ${this.label}: ${error.message}`)) : resolve(),
        ),
      ),
    );
  }

  /** The file's content, undefined when it does not exist; refuses files above `maxBytes`. */
  async readFile(remotePath: string, maxBytes: number): Promise<Buffer | undefined> {
    return this.withSftp(`download of ${remotePath}`, (sftp) =>
      new Promise<Buffer | undefined>((resolve, reject) => {
        sftp.stat(remotePath, (statError, stats) => {
          if (statError) {
            if ((statError as Error & { code?: number }).code === SFTP_NO_SUCH_FILE) resolve(undefined);
            else reject(new Error(`SFTP stat ${remotePath} on ${this.label}: ${statError.message}`));
            return;
          }
          if (stats.size > maxBytes) {
            reject(new Error(`${remotePath} on ${this.label} is ${stats.size} bytes (limit ${maxBytes})`));
            return;
          }
          sftp.readFile(remotePath, (readError: Error | undefined, data: Buffer) =>
            readError ? reject(new Error(`SFTP read ${remotePath} on ${this.label}: ${readError.message}`)) : resolve(data),
          );
        });
      }),
    );
  }

  async uploadFile(localPath: string, remotePath: string): Promise<void> {
    await this.withSftp(`upload of ${localPath}`, (sftp) =>
      new Promise<void>((resolve, reject) =>
        sftp.fastPut(localPath, remotePath, (error?: Error | null) =>
          error ? reject(new Error(`SFTP upload ${localPath} → ${remotePath} on ${this.label}: ${error.message}`)) : resolve(),
        ),
      ),
    );
  }

  async downloadFile(remotePath: string, localPath: string): Promise<void> {
    await this.withSftp(`download of ${remotePath}`, (sftp) =>
      new Promise<void>((resolve, reject) =>
        sftp.fastGet(remotePath, localPath, (error?: Error | null) =>
          error ? reject(new Error(`SFTP download ${remotePath} → ${localPath} on ${this.label}: ${error.message}`)) : resolve(),
        ),
      ),
    );
  }

  /** Runs a command that must succeed; throws with its stderr otherwise. */
  async runChecked(command: string, what: string, signal?: AbortSignal): Promise<SshExecOutcome> {
    const outcome = await this.run(command, { signal, maxOutputBytes: 1024 * 1024 });
    if (outcome.aborted) throw new Error(`${what} cancelled`);
    if (outcome.exitCode !== 0) {
      const detail = outcome.stderrTail.trim().split('\n').pop() ?? '';
      throw new Error(`${what} failed on ${this.label} (exit ${outcome.exitCode ?? outcome.signal}): ${detail}`);
    }
    return outcome;
  }

  /** Uploads the files of a local directory tree into `remoteDir` (created), `parallel` files at a time. */
  async uploadDirectory(localDir: string, remoteDir: string, parallel = 4): Promise<number> {
    const dirs: string[] = [];
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) {
          dirs.push(full);
          await walk(full);
        } else if (entry.isFile()) {
          files.push(full);
        }
      }
    };
    await walk(localDir);
    const toRemote = (local: string) => posix.join(remoteDir, relative(localDir, local).split(sep).join('/'));
    await this.runChecked(`mkdir -p ${[remoteDir, ...dirs.map(toRemote)].map(shellQuote).join(' ')}`, 'creating remote setup dirs');
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const file = files[next++];
        await this.uploadFile(file, toRemote(file));
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, files.length) }, worker));
    return files.length;
  }

  /** Ends the connection; later operations fail (this is not a drop). */
  async close(): Promise<void> {
    this.closed = true;
    const live = this.live;
    this.live = undefined;
    await this.connecting?.catch(() => undefined);
    const current = live ?? this.live;
    if (!current || current.lost) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      current.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      current.client.end();
    });
  }
}

/** Hands out one shared SshConnection per host config; closed when its last user releases it. */
export class SshConnectionPool {
  private readonly entries = new Map<string, { connection: SshConnection; users: number }>();

  private static key(config: SshHostConfig): string {
    return JSON.stringify([config.user, config.host, config.port ?? 22, config.privateKeyPath ?? '', config.useAgent ?? null, config.agentSocket ?? '', config.knownHostsPath ?? '']);
  }

  acquire(config: SshHostConfig): SshConnection {
    const key = SshConnectionPool.key(config);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { connection: new SshConnection(config), users: 0 };
      this.entries.set(key, entry);
    }
    entry.users++;
    return entry.connection;
  }

  async release(connection: SshConnection): Promise<void> {
    for (const [key, entry] of this.entries) {
      if (entry.connection !== connection) continue;
      entry.users--;
      if (entry.users <= 0) {
        this.entries.delete(key);
        await connection.close();
      }
      return;
    }
  }
}
