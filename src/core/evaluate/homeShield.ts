// What a sandboxed candidate may see of the home folders: nothing (keys, cloud credentials, shell
// history and tokens live there, and what a candidate reads can flow into feedback and then into
// a model's prompt), except the toolchains installed there (pyenv, rustup and cargo, nvm, …),
// which stay readable so that `python3`, `cargo` or `node` still work. Pure: the caller says
// which paths exist. Used by the bubblewrap wrapper and by the macOS sandbox profile.
import { isAbsolute, join, normalize, relative, sep } from 'node:path';

/** Folders in a home that hold toolchains (compilers, interpreters, their package caches). */
const TOOLCHAIN_FOLDERS = [
  '.cargo', '.rustup', '.pyenv', '.rbenv', '.nvm', '.volta', '.fnm', '.bun', '.deno', '.elan', '.ghcup', '.cabal', '.stack',
  '.sdkman', '.juliaup', '.julia', '.dotnet', '.opam', '.rye', '.pixi', '.conda', 'miniconda3', 'anaconda3', 'miniforge3',
  'mambaforge', 'go', 'sdk', '.local/bin', '.local/lib', '.local/share/uv', '.local/share/pnpm', '.npm-global',
];

/** Variables that name a toolchain's folder (kept readable when it is under a hidden home). */
const TOOLCHAIN_VARIABLES = [
  'CARGO_HOME', 'RUSTUP_HOME', 'PYENV_ROOT', 'NVM_DIR', 'VOLTA_HOME', 'GOPATH', 'GOROOT', 'JAVA_HOME', 'CONDA_PREFIX',
  'VIRTUAL_ENV', 'DENO_DIR', 'BUN_INSTALL', 'SDKMAN_DIR', 'JULIA_DEPOT_PATH', 'DOTNET_ROOT', 'OPAMROOT', 'PNPM_HOME',
];

/** Credentials inside toolchain folders: masked (an empty file in their place). */
const CREDENTIAL_FILES = ['.cargo/credentials', '.cargo/credentials.toml', '.julia/config/credentials', '.pypirc'];

export interface HomeShield {
  /** Folders replaced by an empty one (a tmpfs): the home and the other users' homes. */
  hidden: string[];
  /** Folders inside a hidden one bound back read-only (toolchains), outermost first. */
  readable: string[];
  /** Files inside a readable folder hidden again (credentials). */
  masked: string[];
}

export interface HomeShieldInput {
  /** $HOME. */
  home: string | undefined;
  env: Record<string, string | undefined>;
  /** Whether a path exists (a folder, or a file for the credential files). */
  exists: (path: string) => boolean;
}

function inside(parent: string, path: string): boolean {
  const rel = relative(parent, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** The first folder below `parent` on the way to `path` (a PATH entry's toolchain root). */
function firstLevel(parent: string, path: string): string {
  return join(parent, relative(parent, path).split(sep)[0]);
}

export function homeShield(input: HomeShieldInput): HomeShield {
  const home = input.home && isAbsolute(input.home) ? normalize(input.home) : undefined;
  const candidates = [home, '/root', '/home'].filter((d): d is string => d !== undefined && d !== '/' && input.exists(d));
  // A home inside /home is hidden with it.
  const hidden = candidates.filter((d, k) => candidates.indexOf(d) === k && !candidates.some((o) => inside(o, d)));
  if (hidden.length === 0) return { hidden: [], readable: [], masked: [] };
  const underHidden = (path: string) => hidden.some((h) => inside(h, path));

  const wanted = new Set<string>();
  if (home) for (const folder of TOOLCHAIN_FOLDERS) wanted.add(join(home, folder));
  for (const name of TOOLCHAIN_VARIABLES) {
    const value = input.env[name];
    if (value && isAbsolute(value)) wanted.add(normalize(value));
  }
  for (const entry of (input.env.PATH ?? '').split(':')) {
    if (!entry || !isAbsolute(entry)) continue;
    const path = normalize(entry);
    // ~/.pyenv/shims keeps ~/.pyenv; a bare ~/bin keeps ~/bin.
    const root = [home, '/root'].find((r) => r !== undefined && inside(r, path));
    if (root) wanted.add(firstLevel(root, path));
    else if (underHidden(path)) wanted.add(path);
  }
  const existing = [...wanted].filter((p) => underHidden(p) && input.exists(p)).sort();
  // Outermost first, and nothing inside a folder already kept.
  const readable = existing.filter((p) => !existing.some((o) => inside(o, p)));
  const masked: string[] = [];
  if (home) for (const file of CREDENTIAL_FILES) {
    const path = join(home, file);
    if (readable.some((r) => inside(r, path)) && input.exists(path)) masked.push(path);
  }
  return { hidden, readable, masked };
}
