// The evaluation launcher: a small long-lived Node process that starts evaluator processes for
// the extension host (or CLI) and watches them. Why a process of its own: spawning forks the
// parent, and a fork costs in proportion to the parent's memory; the extension host holds
// hundreds of MB and stalls for every fork, while this process stays small. It also ends every
// evaluation it started when its parent goes away, even when the parent was killed.
//
// Requests come on stdin and replies go out on stdout, one JSON object per line (protocol.ts).
import { WatchedProcess, type ProcessOutcome } from '../processRunner';
import { lineSplitter, type GoRequest, type LauncherReply, type LauncherRequest, type RunRequest, type WarmRequest } from './protocol';

/** Processes by request id: started ahead (waiting for 'go') or running under supervision. */
const warm = new Map<number, WatchedProcess>();
const running = new Map<number, { watched: WatchedProcess; controller: AbortController }>();
let baseEnv: Record<string, string> = {};

function reply(message: LauncherReply): void {
  // stdout is a pipe: writes are synchronous on Linux, so a reply leaves at once and in order.
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function start(request: RunRequest | WarmRequest, holdStdin: boolean): WatchedProcess {
  return new WatchedProcess(request.argv, {
    cwd: request.cwd,
    env: { ...baseEnv, ...request.env },
    maxOutputBytes: request.maxOutputBytes,
    tailBytes: request.tailBytes,
    holdStdin,
    onSpawn: (pid) => reply({ type: 'started', id: request.id, pid }),
  });
}

function supervise(id: number, watched: WatchedProcess, timeoutMs: number, killGraceMs: number | undefined): void {
  const controller = new AbortController();
  running.set(id, { watched, controller });
  void watched.supervise({ timeoutMs, killGraceMs, signal: controller.signal }).then((outcome: ProcessOutcome) => {
    running.delete(id);
    reply({ type: 'done', id, outcome });
  });
}

function go(request: GoRequest): void {
  const watched = warm.get(request.id);
  warm.delete(request.id);
  if (!watched?.release(request.line)) {
    watched?.kill();
    reply({ type: 'gone', id: request.id });
    return;
  }
  supervise(request.id, watched, request.timeoutMs, request.killGraceMs);
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
  else if (request.type === 'run') supervise(request.id, start(request, false), request.timeoutMs, request.killGraceMs);
  else if (request.type === 'warm') warm.set(request.id, start(request, true));
  else if (request.type === 'go') go(request);
  else if (request.type === 'cancel') {
    running.get(request.id)?.controller.abort();
    warm.get(request.id)?.kill();
    warm.delete(request.id);
  }
}

/** The parent is gone (or closed our stdin to stop us): nothing may outlive it. */
function shutDown(): void {
  for (const entry of running.values()) entry.watched.kill();
  for (const watched of warm.values()) watched.kill();
  process.exit(0);
}

process.stdin.on('data', lineSplitter(handle));
process.stdin.once('end', shutDown);
process.stdin.once('error', shutDown);
// A reply the parent can no longer read means the parent is gone too.
process.stdout.on('error', shutDown);
