// The evaluation launcher: a small long-lived Node process that starts evaluator processes for
// the extension host (or CLI) and watches them. Why a process of its own: spawning forks the
// parent, and a fork costs in proportion to the parent's memory; the extension host holds
// hundreds of MB and stalls for every fork, while this process stays small. It also ends every
// evaluation it started when its parent goes away, even when the parent was killed.
//
// Requests come on stdin and replies go out on stdout, one JSON object per line (protocol.ts).
import { killGroup, runProcess } from '../processRunner';
import { lineSplitter, type LauncherReply, type LauncherRequest, type RunRequest } from './protocol';

interface Running {
  controller: AbortController;
  pid?: number;
}

const running = new Map<number, Running>();
let baseEnv: Record<string, string> = {};

function reply(message: LauncherReply): void {
  // stdout is a pipe: writes are synchronous on Linux, so a reply leaves at once and in order.
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function run(request: RunRequest): void {
  const entry: Running = { controller: new AbortController() };
  running.set(request.id, entry);
  void runProcess(request.argv, {
    cwd: request.cwd,
    env: { ...baseEnv, ...request.env },
    timeoutMs: request.timeoutMs,
    maxOutputBytes: request.maxOutputBytes,
    tailBytes: request.tailBytes,
    killGraceMs: request.killGraceMs,
    signal: entry.controller.signal,
    onSpawn: (pid) => {
      entry.pid = pid;
      reply({ type: 'started', id: request.id, pid });
    },
  }).then((outcome) => {
    running.delete(request.id);
    reply({ type: 'done', id: request.id, outcome });
  });
}

function handle(line: string): void {
  let request: LauncherRequest;
  try {
    request = JSON.parse(line) as LauncherRequest;
  } catch {
    process.stderr.write(`genesis launcher: ignored a line that is not JSON: ${line.slice(0, 200)}\n`);
    return;
  }
  if (request.type === 'base-env') baseEnv = request.env;
  else if (request.type === 'run') run(request);
  else if (request.type === 'cancel') running.get(request.id)?.controller.abort();
}

/** The parent is gone (or closed our stdin to stop us): nothing may outlive it. */
function shutDown(): void {
  for (const entry of running.values()) if (entry.pid !== undefined) killGroup(entry.pid, 'SIGKILL');
  process.exit(0);
}

process.stdin.on('data', lineSplitter(handle));
process.stdin.once('end', shutDown);
process.stdin.once('error', shutDown);
// A reply the parent can no longer read means the parent is gone too.
process.stdout.on('error', shutDown);
