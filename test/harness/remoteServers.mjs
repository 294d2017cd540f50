// Real remote servers for the remote-runner tests, on 127.0.0.1 in a temp dir:
// - startSshd(): OpenSSH's sshd on a spare port, with a generated host key and user key;
// - startSlurm(): a one-node Slurm cluster (munged + slurmctld + slurmd) on spare ports.
// Recipes: docs FACTS.md ("SSH and Slurm on 127.0.0.1"). Each start records the pids it spawned
// in a state file so that a later start can end what a crashed run left behind; stop() ends
// everything it started (process groups, then any descendant) and removes the temp dir.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const TEMP_PREFIX = 'genesis-remote-test-';
const STATE_DIR = '/tmp/genesis-remote-test-state';

const SSHD = '/usr/sbin/sshd';
const SLURM_BINARIES = ['/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/sbin/munged', '/usr/bin/sbatch', '/usr/bin/sinfo'];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Why sshd cannot be started here, or undefined when it can. */
export function sshdMissing() {
  if (process.getuid?.() !== 0) return 'the test sshd logs in as root and must be started by root';
  if (!existsSync(SSHD)) return `${SSHD} not found (apt-get install openssh-server)`;
  if (spawnSync('ssh-keygen', ['-?']).error) return 'ssh-keygen not found (apt-get install openssh-client)';
  return undefined;
}

/** Why Slurm cannot be started here, or undefined when it can. */
export function slurmMissing() {
  if (process.getuid?.() !== 0) return 'the test Slurm cluster (SlurmUser=root, munged as munge) must be started by root';
  const missing = SLURM_BINARIES.filter((b) => !existsSync(b));
  if (missing.length > 0) return `${missing.join(', ')} not found (apt-get install slurm-wlm munge)`;
  if (spawnSync('id', ['munge']).status !== 0) return 'user munge does not exist (apt-get install munge)';
  return undefined;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function runOrThrow(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

function cmdlineOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Every live descendant of `pid` (via /proc; sshd's per-connection children leave its group). */
function descendantsOf(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = parentOf(Number(name));
    if (ppid === undefined) continue;
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(name));
  }
  const out = [];
  const stack = [...(children.get(pid) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop();
    out.push(next);
    stack.push(...(children.get(next) ?? []));
  }
  return out;
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

function alive(pid) {
  return signal(pid, 0);
}

/** Ends a process we spawned detached: its descendants, its group, then the process itself. */
async function endProcessTree(pid) {
  const victims = [...descendantsOf(pid), pid];
  signal(-pid, 'SIGTERM');
  for (const v of victims) signal(v, 'SIGTERM');
  for (let i = 0; i < 30 && victims.some(alive); i++) await sleep(50);
  signal(-pid, 'SIGKILL');
  for (const v of victims) signal(v, 'SIGKILL');
  for (let i = 0; i < 40 && victims.some(alive); i++) await sleep(25);
}

// One state file per kind and test process: test files run in parallel (node --test), and one
// must not end the servers of another that is still running.
function stateFile(kind) {
  return join(STATE_DIR, `${kind}-${process.pid}.json`);
}

/**
 * Ends what earlier runs of this kind left running (only pids whose command line names one of its
 * temp dirs), skipping state that belongs to another test process that is still alive.
 */
async function endLeftovers(kind) {
  if (!existsSync(STATE_DIR)) return;
  const pattern = new RegExp(`^${kind}(-(\\d+))?\\.json$`);
  for (const name of readdirSync(STATE_DIR)) {
    const match = pattern.exec(name);
    if (!match) continue;
    const owner = match[2] === undefined ? undefined : Number(match[2]);
    if (owner !== undefined && owner !== process.pid && alive(owner)) continue;
    const file = join(STATE_DIR, name);
    let state;
    try {
      state = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      state = { pids: [], dir: undefined };
    }
    for (const pid of state.pids ?? []) {
      const cmdline = cmdlineOf(pid);
      if (cmdline && state.dir && cmdline.includes(state.dir)) await endProcessTree(pid);
    }
    if (state.dir && state.dir.includes(TEMP_PREFIX)) rmSync(state.dir, { recursive: true, force: true });
    rmSync(file, { force: true });
  }
}

function recordState(kind, dir, pids) {
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(stateFile(kind), JSON.stringify({ dir, pids }));
}

function spawnDaemon(cmd, args, logFile, opts = {}) {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'ignore', 'ignore'], ...opts });
  child.unref();
  let exited = null;
  child.once('exit', (code, sig) => {
    exited = `${cmd} exited (${code ?? sig}); log: ${logFile && existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '(none)'}`;
  });
  child.once('error', (error) => {
    exited = `${cmd}: ${error.message}`;
  });
  return { child, exitedReason: () => exited };
}

async function waitFor(what, check, timeoutMs, daemons = []) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const d of daemons) {
      const reason = d.exitedReason();
      if (reason) throw new Error(`${what}: ${reason}`);
    }
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(100);
  }
}

function canConnect(port) {
  return new Promise((resolve) => {
    import('node:net').then(({ connect }) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  });
}

/**
 * Starts sshd on 127.0.0.1 (root login by key only, internal SFTP).
 * Returns {host, port, user, privateKeyPath, publicKey, knownHostsPath, hostKeyLine, dir, pid,
 *          killConnections(), restart(), stop()}.
 */
export async function startSshd() {
  const missing = sshdMissing();
  if (missing) throw new Error(missing);
  await endLeftovers('sshd');
  const dir = mkdtempSync(join('/tmp', `${TEMP_PREFIX}sshd-`));
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'host_ed25519');
  const userKey = join(dir, 'id_ed25519');
  runOrThrow('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'genesis-test-host', '-f', hostKey]);
  runOrThrow('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'genesis-test-user', '-f', userKey]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${userKey}.pub`));
  const port = await freePort();
  const hostKeyLine = `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ')}`;
  const knownHostsPath = join(dir, 'known_hosts');
  writeFileSync(knownHostsPath, `${hostKeyLine}\n`);
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'MaxSessions 20',
      'MaxStartups 50',
      'LogLevel INFO',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  const logFile = join(dir, 'sshd.log');
  let daemon;
  const launch = async () => {
    daemon = spawnDaemon(SSHD, ['-D', '-f', config, '-E', logFile], logFile);
    recordState('sshd', dir, [daemon.child.pid]);
    await waitFor('sshd', () => canConnect(port), 10_000, [daemon]);
  };
  await launch();
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    user: 'root',
    privateKeyPath: userKey,
    publicKeyPath: `${userKey}.pub`,
    knownHostsPath,
    hostKeyLine,
    dir,
    get pid() {
      return daemon.child.pid;
    },
    /**
     * Kills the sshd processes serving open connections (the listener keeps running): a dropped
     * connection. Commands started over them keep running, as after a network failure.
     */
    killConnections() {
      const victims = descendantsOf(daemon.child.pid).filter((pid) => cmdlineOf(pid)?.startsWith('sshd:'));
      for (const v of victims) signal(v, 'SIGKILL');
      return victims.length;
    },
    /** Stops the listener and every connection, then starts it again on the same port. */
    async restart() {
      await endProcessTree(daemon.child.pid);
      await waitFor('sshd port free', async () => !(await canConnect(port)), 5_000);
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await endProcessTree(daemon.child.pid);
      rmSync(dir, { recursive: true, force: true });
      rmSync(stateFile('sshd'), { force: true });
    },
  };
}

function slurmConf(dir, ports) {
  return [
    'ClusterName=genesistest',
    'SlurmctldHost=localhost',
    'SlurmUser=root',
    'SlurmdUser=root',
    'AuthType=auth/munge',
    'CredType=cred/munge',
    `AuthInfo=socket=${join(dir, 'munge', 'munge.socket.2')}`,
    `SlurmctldPort=${ports.ctld}`,
    `SlurmdPort=${ports.slurmd}`,
    `StateSaveLocation=${join(dir, 'state')}`,
    `SlurmdSpoolDir=${join(dir, 'spool')}`,
    `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
    `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
    `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
    `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'SchedulerType=sched/builtin',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_Core',
    // Use the CPU count below even though this machine has fewer cores: tests need jobs side by side.
    'SlurmdParameters=config_overrides',
    'MpiDefault=none',
    'ReturnToService=2',
    // Start jobs at once (the default delays batch scheduling by up to 3 s).
    'SchedulerParameters=batch_sched_delay=0,sched_min_interval=0',
    'MinJobAge=300',
    'KillWait=2',
    'AccountingStorageType=accounting_storage/none',
    'JobAcctGatherType=jobacct_gather/none',
    'JobCompType=jobcomp/none',
    'NodeName=localhost CPUs=8 RealMemory=1000 State=UNKNOWN',
    'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
    '',
  ].join('\n');
}

/**
 * Starts a one-node Slurm cluster (node "localhost", partition "debug", 8 CPUs).
 * Returns {env, dir, confPath, stop()}; `env` (SLURM_CONF) is what sbatch/squeue/scancel need.
 */
export async function startSlurm() {
  const missing = slurmMissing();
  if (missing) throw new Error(missing);
  await endLeftovers('slurm');
  const dir = mkdtempSync(join('/tmp', `${TEMP_PREFIX}slurm-`));
  // munged (user munge) must traverse to its socket dir; it refuses group/world-writable dirs.
  chmodSync(dir, 0o711);
  const mungeDir = join(dir, 'munge');
  mkdirSync(mungeDir, { mode: 0o711 });
  chmodSync(mungeDir, 0o711);
  const mungeUid = Number(runOrThrow('id', ['-u', 'munge']).trim());
  const mungeGid = Number(runOrThrow('id', ['-g', 'munge']).trim());
  chownSync(mungeDir, mungeUid, mungeGid);
  const keyFile = join(mungeDir, 'munge.key');
  runOrThrow('mungekey', ['--create', '--keyfile', keyFile]);
  chownSync(keyFile, mungeUid, mungeGid);
  chmodSync(keyFile, 0o600);
  for (const sub of ['state', 'spool']) mkdirSync(join(dir, sub));
  const ports = { ctld: await freePort(), slurmd: await freePort() };
  const confPath = join(dir, 'slurm.conf');
  writeFileSync(confPath, slurmConf(dir, ports));
  const env = { ...process.env, SLURM_CONF: confPath };
  const started = [];
  const stop = async () => {
    for (const d of started.reverse()) await endProcessTree(d.child.pid);
    started.length = 0;
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateFile('slurm'), { force: true });
  };
  try {
    const mungeLog = join(mungeDir, 'munged.log');
    const munged = spawnDaemon(
      'runuser',
      ['-u', 'munge', '--', '/usr/sbin/munged', '--foreground', '--force', `--key-file=${keyFile}`,
        `--socket=${join(mungeDir, 'munge.socket.2')}`, `--pid-file=${join(mungeDir, 'munged.pid')}`,
        `--log-file=${mungeLog}`, `--seed-file=${join(mungeDir, 'munged.seed')}`],
      mungeLog,
    );
    started.push(munged);
    recordState('slurm', dir, started.map((d) => d.child.pid));
    await waitFor('munged', () => existsSync(join(mungeDir, 'munge.socket.2')), 10_000, [munged]);

    const ctld = spawnDaemon('/usr/sbin/slurmctld', ['-D', '-f', confPath], join(dir, 'slurmctld.log'), { env });
    started.push(ctld);
    recordState('slurm', dir, started.map((d) => d.child.pid));
    await waitFor('slurmctld', () => canConnect(ports.ctld), 15_000, [ctld]);

    const slurmd = spawnDaemon('/usr/sbin/slurmd', ['-D', '-N', 'localhost', '-f', confPath], join(dir, 'slurmd.log'), { env });
    started.push(slurmd);
    recordState('slurm', dir, started.map((d) => d.child.pid));
    await waitFor(
      'slurm node idle',
      () => {
        const r = spawnSync('sinfo', ['-h', '-N', '-o', '%T'], { env, encoding: 'utf8' });
        return r.status === 0 && /^idle/m.test(r.stdout);
      },
      20_000,
      [munged, ctld, slurmd],
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { env: { SLURM_CONF: confPath }, dir, confPath, stop };
}
