// The files of a workspace that onboarding looks at: a bounded walk that skips dependency,
// build and version-control folders, so a huge or odd workspace cannot stall it.
import { promises as fs } from 'node:fs';
import { join, relative, sep } from 'node:path';

const SKIPPED_DIRS = new Set([
  '.git', '.hg', '.svn', '.genesis', 'node_modules', '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache',
  '.pytest_cache', 'target', 'build', 'dist', 'out', 'vendor', '.next', 'coverage', '.vscode-test',
]);
const MAX_FILES = 20_000;
const MAX_DEPTH = 12;

/** Workspace-relative paths (with `/`) of the files under `root`, in a stable order. */
export async function listWorkspaceFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string, depth: number): Promise<void> {
    if (depth > MAX_DEPTH || found.length >= MAX_FILES) return;
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return; // unreadable folders are not ours to judge
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (found.length >= MAX_FILES) return;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(full, depth + 1);
      } else if (entry.isFile()) {
        found.push(relative(root, full).split(sep).join('/'));
      }
    }
  }
  await walk(root, 0);
  return found;
}

const MAX_READ_BYTES = 1024 * 1024;

/** A text file's content, or '' when it is missing, unreadable or too large to be a test file. */
export async function readSmallText(path: string): Promise<string> {
  try {
    const stat = await fs.stat(path);
    if (!stat.isFile() || stat.size > MAX_READ_BYTES) return '';
    return await fs.readFile(path, 'utf8');
  } catch {
    return '';
  }
}
