// Reusable work dirs for small workspaces. A full copy of the base per evaluation costs a process
// and a few milliseconds; instead a few slot dirs are cloned from the base once, and after each
// evaluation a slot is checked against a manifest taken when it was last known to equal the base
// (lstat of every entry, readdir of every folder) and repaired: new entries removed, changed or
// missing ones copied again from the base. The next evaluation therefore sees exactly the base
// plus its own candidate file, as with a fresh copy. The check runs after the evaluation has been
// answered, while other evaluations run, so it is off the critical path.
//
// Limit (unsandboxed only): a process that left the evaluator's process group (setsid) and keeps
// running could write into a slot after its check. Under bubblewrap the PID namespace ends every
// process of the evaluation with it, and without bubblewrap such code can write anywhere anyway.
import {
  constants as fsConstants,
  closeSync,
  ftruncateSync,
  lstatSync,
  openSync,
  promises as fs,
  readdirSync,
  writeSync,
  type BigIntStats,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { cloneTree, resolveInside, type EvaluationDir } from './sandboxCopy';

/** Workspaces with more entries than this get a fresh copy per evaluation instead of slots. */
export const MAX_SLOT_ENTRIES = 2000;
/**
 * A file changed less than this long after its ctime was recorded may keep the same ctime (file
 * times come from a coarse clock that ticks every 1–10 ms on older kernels), so such a "racy"
 * file is compared by content at its next check, as git does for its index.
 */
const RACY_WINDOW_NS = 25_000_000n;
/**
 * Up to this many entries a slot is checked with synchronous lstat/readdir: a few microseconds
 * each against tens for a thread-pool round trip, and under a millisecond of blocking in all.
 */
const SYNC_CHECK_ENTRIES = 256;
const WRITE_EXISTING_NOFOLLOW = fsConstants.O_WRONLY | fsConstants.O_NOFOLLOW;

type EntryKind = 'file' | 'dir' | 'link';

/** The two reads a slot check makes, synchronous or through the thread pool. */
interface CheckReads {
  /** undefined when the entry is gone. */
  lstat(path: string): Promise<BigIntStats | undefined> | BigIntStats | undefined;
  readdir(path: string): Promise<string[]> | string[];
}

const SYNC_READS: CheckReads = {
  lstat: (path) => lstatSync(path, { bigint: true, throwIfNoEntry: false }),
  readdir: (path) => readdirSync(path),
};

const ASYNC_READS: CheckReads = {
  lstat: (path) =>
    fs.lstat(path, { bigint: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    }),
  readdir: (path) => fs.readdir(path),
};

/** What an entry of the slot looked like when it last equalled the base. */
interface EntryRecord {
  kind: EntryKind;
  ino: bigint;
  mode: bigint;
  uid: bigint;
  gid: bigint;
  nlink: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** Files only: changed too soon after being recorded for its ctime to be trusted. */
  racy: boolean;
  /** Folders only: the names inside. */
  names?: Set<string>;
}

/** How a candidate path can be written, decided once per path against the base. */
interface CandidatePath {
  /** Normalized, relative to the work dir. */
  rel: string;
  /** A regular file of the base under real folders only: overwritten in place, with O_NOFOLLOW. */
  inPlace: boolean;
}

function kindOf(stats: BigIntStats): EntryKind | undefined {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'dir';
  if (stats.isSymbolicLink()) return 'link';
  return undefined;
}

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

function isUnder(rel: string, folder: string): boolean {
  return folder === '' || rel === folder || rel.startsWith(folder + sep);
}

/**
 * Overwrites an existing file in place, then cuts it to length. Synchronous on purpose: one small
 * file, and four thread-pool round trips would cost more than the work. Not O_TRUNC: on ext4,
 * truncating a file whose blocks are written waits for the disk (measured: 1.2–2.2 ms per write
 * against 20–120 µs for overwrite + ftruncate). O_NOFOLLOW refuses a link in the last place.
 */
function overwriteInPlace(file: string, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  const fd = openSync(file, WRITE_EXISTING_NOFOLLOW);
  try {
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written, written);
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}

async function sameContent(a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([fs.readFile(a), fs.readFile(b)]);
  return left.equals(right);
}

/**
 * Writes a candidate whose path is unusual (new file, new folders, a link in the base): the old
 * entry is removed first so a link in the copy cannot lead the write to the user's file.
 */
async function writeCarefully(workDir: string, rel: string, text: string): Promise<void> {
  const file = join(workDir, rel);
  await fs.rm(file, { force: true });
  const parent = dirname(file);
  await fs.mkdir(parent, { recursive: true });
  const realParent = await fs.realpath(parent);
  const realWork = await fs.realpath(workDir);
  if (realParent !== realWork && !realParent.startsWith(realWork + sep)) {
    throw new Error(`candidate path leads outside the work dir through a link: ${rel}`);
  }
  await fs.writeFile(file, text, 'utf8');
}

export class WorkSlot implements EvaluationDir {
  readonly dir: string;
  readonly workDir: string;
  readonly resultFile: string;
  candidateFile: string;
  /** Keyed by path relative to the work dir ('' is the work dir itself). */
  readonly manifest = new Map<string, EntryRecord>();
  /**
   * The candidate path last written in place: only its content and times may differ from the
   * base. The next evaluation with the same path overwrites it; another path restores it first.
   */
  writtenInPlace: string | undefined;

  constructor(dir: string) {
    this.dir = dir;
    this.workDir = join(dir, 'ws');
    this.resultFile = join(dir, 'result.json');
    this.candidateFile = this.workDir;
  }
}

export class WorkSlotPool {
  private readonly baseDir: string;
  private readonly slotsDir: string;
  private readonly free: WorkSlot[] = [];
  private readonly repairs = new Set<Promise<void>>();
  private readonly candidatePaths = new Map<string, Promise<CandidatePath>>();
  /** The same, once known: lets the usual evaluation write without waiting on a promise. */
  private readonly knownCandidatePaths = new Map<string, CandidatePath>();
  private slotCount = 0;
  private busy = 0;
  /** Told of every slot that has been repaired and is free again (a warm start is made for it). */
  onFree: ((slot: WorkSlot) => void) | undefined;
  private counter = 0;
  private disposed = false;

  constructor(baseDir: string, slotsDir: string) {
    this.baseDir = baseDir;
    this.slotsDir = slotsDir;
  }

  /** Clones the first slot ahead of the first evaluation. */
  async warm(): Promise<void> {
    if (this.slotCount > 0) return;
    this.slotCount++;
    try {
      this.free.push(await this.createSlot());
    } catch (error) {
      this.slotCount--;
      throw error;
    }
  }

  /** A free slot right away, or undefined (then use acquire()). */
  tryAcquire(): WorkSlot | undefined {
    if (this.disposed) return undefined;
    const slot = this.free.pop();
    if (slot) this.busy++;
    return slot;
  }

  /** A slot equal to the base. Creates one when none is free, unless a repair is about to free one. */
  async acquire(): Promise<WorkSlot> {
    for (;;) {
      if (this.disposed) throw new Error('evaluator is disposed');
      const slot = this.free.pop();
      if (slot) {
        this.busy++;
        return slot;
      }
      // Up to two slots per running evaluation: one in use, one being repaired.
      if (this.repairs.size === 0 || this.slotCount < 2 * this.busy + 2) break;
      await Promise.race(this.repairs);
    }
    this.slotCount++;
    this.busy++;
    try {
      return await this.createSlot();
    } catch (error) {
      this.slotCount--;
      this.busy--;
      throw error;
    }
  }

  /**
   * The usual case done synchronously: a known path that is overwritten in place and needs no
   * restore first. Returns false when writeCandidate() must do it.
   */
  tryWriteCandidate(slot: WorkSlot, relativePath: string, text: string): boolean {
    const path = this.knownCandidatePaths.get(relativePath);
    if (!path?.inPlace || (slot.writtenInPlace !== undefined && slot.writtenInPlace !== path.rel)) return false;
    slot.candidateFile = join(slot.workDir, path.rel);
    overwriteInPlace(slot.candidateFile, text);
    slot.writtenInPlace = path.rel;
    return true;
  }

  /** Writes the candidate into an acquired slot and sets its `candidateFile`. */
  async writeCandidate(slot: WorkSlot, relativePath: string, text: string): Promise<void> {
    const path = await this.candidatePath(relativePath);
    if (slot.writtenInPlace !== undefined && slot.writtenInPlace !== path.rel) {
      await this.replaceFromBase(slot, slot.writtenInPlace);
    }
    slot.candidateFile = join(slot.workDir, path.rel);
    if (path.inPlace) {
      // Every folder on the way was checked to be the slot's own real folder and the file is
      // opened without following a link, so the write cannot leave the slot.
      overwriteInPlace(slot.candidateFile, text);
      slot.writtenInPlace = path.rel;
    } else {
      // The manifest check after the evaluation undoes whatever this changes.
      await writeCarefully(slot.workDir, path.rel, text);
    }
  }

  /** Gives a slot back: it is checked and repaired in the background, then reused. */
  release(slot: WorkSlot): void {
    this.busy--;
    if (this.disposed) return;
    // Checked after a turn of the event loop: the evaluation waiting for this one's answer has
    // started its process by then, so the check runs while that evaluator does.
    const repair = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.repair(slot)).then(
      () => {
        if (this.disposed) return;
        this.free.push(slot);
        this.onFree?.(slot);
      },
      () => {
        // Could not be repaired (a file we may not delete, say): never use it again.
        this.slotCount--;
        return fs.rm(slot.dir, { recursive: true, force: true }).catch(() => undefined);
      },
    );
    this.repairs.add(repair);
    void repair.finally(() => this.repairs.delete(repair));
  }

  /** Takes a slot out of the pool for good, as it is (kept for debugging until the copy is disposed). */
  detach(_slot: WorkSlot): void {
    this.busy--;
    this.slotCount--;
  }

  /** Resolves when every slot given back so far has been repaired (or dropped). */
  async settled(): Promise<void> {
    await Promise.all([...this.repairs]);
  }

  /** Waits for running repairs; the slot folders are removed with the sandbox copy's root. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.free.length = 0;
    await Promise.all([...this.repairs]);
  }

  private candidatePath(relativePath: string): Promise<CandidatePath> {
    let found = this.candidatePaths.get(relativePath);
    if (!found) {
      found = this.analyzeCandidatePath(relativePath);
      found.then(
        (path) => this.knownCandidatePaths.set(relativePath, path),
        () => this.candidatePaths.delete(relativePath),
      );
      this.candidatePaths.set(relativePath, found);
    }
    return found;
  }

  private async analyzeCandidatePath(relativePath: string): Promise<CandidatePath> {
    const target = resolveInside(this.baseDir, relativePath);
    const rel = relative(this.baseDir, target);
    try {
      const stats = await fs.lstat(target);
      if (!stats.isFile()) return { rel, inPlace: false };
      const realBase = await fs.realpath(this.baseDir);
      const folder = dirname(rel);
      const expected = folder === '.' ? realBase : join(realBase, folder);
      return { rel, inPlace: (await fs.realpath(dirname(target))) === expected };
    } catch {
      return { rel, inPlace: false };
    }
  }

  private async createSlot(): Promise<WorkSlot> {
    const slot = new WorkSlot(join(this.slotsDir, `slot-${++this.counter}`));
    await fs.mkdir(slot.dir, { recursive: true });
    await cloneTree(this.baseDir, slot.workDir);
    await this.recordTree(slot, '');
    return slot;
  }

  private async recordTree(slot: WorkSlot, rel: string): Promise<void> {
    const path = join(slot.workDir, rel);
    const stats = await fs.lstat(path, { bigint: true });
    const kind = kindOf(stats);
    if (!kind) throw new Error(`unexpected file type in the work dir: ${rel}`);
    const record: EntryRecord = {
      kind,
      ino: stats.ino,
      mode: stats.mode,
      uid: stats.uid,
      gid: stats.gid,
      nlink: stats.nlink,
      size: stats.size,
      mtimeNs: stats.mtimeNs,
      ctimeNs: stats.ctimeNs,
      racy: kind === 'file' && nowNs() - stats.ctimeNs < RACY_WINDOW_NS,
    };
    slot.manifest.set(rel, record);
    if (kind === 'dir') {
      const names = await fs.readdir(path);
      record.names = new Set(names);
      await Promise.all(names.map((name) => this.recordTree(slot, rel === '' ? name : join(rel, name))));
    }
  }

  /** Brings a used slot back to the base: only what changed is touched. */
  private async repair(slot: WorkSlot): Promise<void> {
    // Beside ws/ the slot holds only what the evaluation wrote there (the result file): a small
    // folder, read synchronously.
    const extra = readdirSync(slot.dir).filter((name) => name !== 'ws');
    await Promise.all(extra.map((name) => fs.rm(join(slot.dir, name), { recursive: true, force: true })));
    await this.checkEntry(slot, '', slot.manifest.size <= SYNC_CHECK_ENTRIES ? SYNC_READS : ASYNC_READS);
  }

  private async checkEntry(slot: WorkSlot, rel: string, reads: CheckReads): Promise<void> {
    const record = slot.manifest.get(rel);
    if (!record) throw new Error(`no manifest entry for ${rel}`);
    const path = join(slot.workDir, rel);
    const stats = await reads.lstat(path);
    if (stats === undefined || kindOf(stats) !== record.kind || stats.ino !== record.ino) return this.replaceFromBase(slot, rel);
    if (record.kind === 'dir' && (stats.mode !== record.mode || stats.uid !== record.uid || stats.gid !== record.gid)) {
      // A folder's own metadata is put back in place; its content is checked below either way.
      await fs.lchown(path, Number(record.uid), Number(record.gid));
      await fs.chmod(path, Number(record.mode & 0o7777n));
    } else if (stats.mode !== record.mode || stats.uid !== record.uid || stats.gid !== record.gid) {
      return this.replaceFromBase(slot, rel);
    }
    if (rel === slot.writtenInPlace) {
      // Our own write changed its content and times; anything else about it must be as recorded.
      if (stats.nlink !== 1n) await this.replaceFromBase(slot, rel);
      return;
    }
    if (record.kind !== 'dir') {
      const unchanged =
        stats.nlink === record.nlink && stats.size === record.size && stats.mtimeNs === record.mtimeNs && stats.ctimeNs === record.ctimeNs;
      if (!unchanged) return this.replaceFromBase(slot, rel);
      if (record.racy) {
        if (!(await sameContent(path, join(this.baseDir, rel)))) return this.replaceFromBase(slot, rel);
        record.racy = nowNs() - record.ctimeNs < RACY_WINDOW_NS;
      }
      return;
    }
    const expected = record.names ?? new Set<string>();
    const names = await reads.readdir(path);
    const added = names.filter((name) => !expected.has(name));
    await Promise.all(added.map((name) => fs.rm(join(path, name), { recursive: true, force: true })));
    await Promise.all([...expected].map((name) => this.checkEntry(slot, rel === '' ? name : join(rel, name), reads)));
  }

  /** Replaces one entry (a whole folder, for a folder) of the slot with the base's. */
  private async replaceFromBase(slot: WorkSlot, rel: string): Promise<void> {
    const path = join(slot.workDir, rel);
    await fs.rm(path, { recursive: true, force: true });
    for (const key of [...slot.manifest.keys()]) if (isUnder(key, rel)) slot.manifest.delete(key);
    if (slot.writtenInPlace !== undefined && isUnder(slot.writtenInPlace, rel)) slot.writtenInPlace = undefined;
    await cloneTree(join(this.baseDir, rel), path);
    await this.recordTree(slot, rel);
  }
}
