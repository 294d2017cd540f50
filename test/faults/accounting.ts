// The proof that nothing evaluated is lost, shared by the fault matrix and the editor-fault
// suites (which run inside VS Code): an evaluator that keeps a ledger of every evaluation it
// starts and ends, outside the work dir, and the comparison of that ledger with the stored run.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { StoredRun } from '../../src/core/store/runStore';

/** The evaluator every scenario runs: logs each evaluation it starts and ends, and misbehaves on purpose. */
export const FAULT_EVAL_PY = String.raw`
import hashlib, importlib.util, json, math, os, subprocess, sys, time
ledger, mode = sys.argv[1], sys.argv[2]
every = int(sys.argv[3]) if len(sys.argv) > 3 else 3
delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
contain = sys.argv[5] if len(sys.argv) > 5 else ''
ev = os.environ['GENESIS_EVALUATION_ID']
node = int(ev.rsplit('-', 1)[1])
path = os.environ['GENESIS_CANDIDATE_FILE']
digest = hashlib.sha1(open(path, 'rb').read()).hexdigest()[:16]
def note(kind):
    with open(ledger, 'a') as f:
        f.write('%s %s %s\n' % (kind, ev, digest))
note('S')
if delay:
    time.sleep(delay)
spec = importlib.util.spec_from_file_location('candidate', path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
f = getattr(module, os.environ.get('GENESIS_FUNCTION') or 'approx_exp')
score = -max(abs(f(x / 10.0) - math.exp(x / 10.0)) for x in range(-10, 11))
if mode != 'none' and node > 0 and node % every == 1:
    if mode == 'crash':
        note('E')
        raise RuntimeError('candidate crashed on purpose')
    if mode == 'segfault':
        note('E')
        os.kill(os.getpid(), 11)
    if mode == 'hang':
        subprocess.Popen(['sleep', '3600.%d' % os.getpid()])
        time.sleep(3600)
    if mode == 'forkbomb':
        # Contained before it starts: a pids cgroup (root ignores RLIMIT_NPROC), else an
        # unprivileged user with RLIMIT_NPROC; without either, refuse to bomb.
        if contain.startswith('cgroup:'):
            with open(contain[len('cgroup:'):] + '/cgroup.procs', 'w') as f:
                f.write(str(os.getpid()))
        elif contain == 'nproc':
            import resource
            resource.setrlimit(resource.RLIMIT_NPROC, (48, 48))
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
        else:
            sys.exit('no containment for the fork bomb')
        sys.stdout.flush()
        os.execvp('sh', ['sh', '-c', 'b() { b | b & }; b; sleep 3600'])
    if mode == 'memory':
        # bytes() takes fresh zeroed pages (calloc) without writing them: the address-space limit
        # (ulimit -v) is met at once. bytearray() writes every page, 2 GiB of it took 12 s of CPU
        # here (48 s under load) and the row timed out instead of meeting the limit.
        hog = []
        while True:
            hog.append(bytes(64 * 1024 * 1024))
    if mode == 'flood':
        chunk = 'x' * 1048575 + '\n'
        for _ in range(100):
            sys.stdout.write(chunk)
        sys.stdout.flush()
        note('E')
        print(json.dumps({'score': score}))
        sys.exit(0)
    if mode == 'escape':
        # Leaves the process group and closes its pipes: only a scan can find it.
        subprocess.Popen(['setsid', 'nohup', 'sleep', '3601.%d' % os.getpid()], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if mode == 'disk':
        # 1 MiB at a time, far past any limit unless stopped.
        for k in range(400):
            with open('fill-%d.bin' % k, 'wb') as f:
                f.write(bytes(1048576))
            time.sleep(0.01)
    if mode == 'garbage':
        note('E')
        print('this is {not JSON')
        sys.exit(0)
    if mode == 'nan':
        note('E')
        print('{"score": NaN, "correct": true}')
        sys.exit(0)
note('E')
print(json.dumps({'score': score}))
`;

interface LedgerEntry {
  kind: 'S' | 'E';
  id: string;
  digest: string;
}

function readLedger(path: string): LedgerEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [kind, id, digest] = line.split(' ');
      return { kind: kind as 'S' | 'E', id, digest };
    });
}

/** Evaluations the evaluator started, whatever run they belonged to. */
export function ledgerStarts(path: string): number {
  return readLedger(path).filter((e) => e.kind === 'S').length;
}

export interface Accounting {
  /** Distinct (evaluation id, candidate) pairs the evaluator started. */
  evaluated: number;
  /** Started or finished by the evaluator but absent from the stored run (or stored with other code). */
  lost: string[];
  /** Started, then cancelled by Genesis on purpose (the run stopped); recorded as such. */
  cancelled: string[];
  /** Finished and recorded, then evaluated again: the resume re-ran completed work. */
  rerunAfterRecorded: string[];
}

function sha16(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 16);
}

/**
 * Compares the evaluator's ledger with the run as stored on disk. An evaluation is kept when the
 * stored node of that id holds an evaluation of exactly the candidate the evaluator saw (node ids
 * are reused when a resumed run rebuilds children that were never recorded).
 */
export function account(ledgerPath: string, stored: StoredRun, recordedBefore?: ReadonlySet<string>): Accounting {
  const entries = readLedger(ledgerPath).filter((e) => e.id.startsWith(`${stored.summary.runId}-`));
  const source = stored.source;
  const byId = new Map(stored.nodes.map((n) => [`${stored.summary.runId}-${n.id}`, n]));
  const candidateDigest = (code: string) =>
    source ? sha16(source.fileText.slice(0, source.startIndex) + code + source.fileText.slice(source.endIndex)) : '';
  const keys = new Map<string, { started: boolean; ended: number }>();
  for (const e of entries) {
    const key = `${e.id} ${e.digest}`;
    const k = keys.get(key) ?? { started: false, ended: 0 };
    if (e.kind === 'S') k.started = true;
    else k.ended++;
    keys.set(key, k);
  }
  const lost: string[] = [];
  const cancelled: string[] = [];
  const rerun: string[] = [];
  for (const [key, k] of keys) {
    const [id, digest] = key.split(' ');
    const node = byId.get(id);
    const sameCandidate = node !== undefined && candidateDigest(node.code) === digest;
    const recorded = sameCandidate && node.evaluation !== undefined;
    if (recorded) {
      if (recordedBefore?.has(key) && k.ended > 1) rerun.push(id);
      continue;
    }
    if (sameCandidate && k.ended === 0 && node.status === 'skipped' && /run stopped during evaluation/.test(node.reason ?? '')) {
      cancelled.push(id);
      continue;
    }
    lost.push(id);
  }
  return { evaluated: keys.size, lost, cancelled, rerunAfterRecorded: rerun };
}

/** Keys (`id digest`) of the evaluations a stored run holds: compare before and after a resume. */
export function recordedKeys(stored: StoredRun): Set<string> {
  const source = stored.source;
  const keys = new Set<string>();
  if (!source) return keys;
  for (const n of stored.nodes) {
    if (!n.evaluation) continue;
    const file = source.fileText.slice(0, source.startIndex) + n.code + source.fileText.slice(source.endIndex);
    keys.add(`${stored.summary.runId}-${n.id} ${sha16(file)}`);
  }
  return keys;
}

