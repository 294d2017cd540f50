// POSIX shell snippets shared by the remote runners: quoting, the contract v1 environment, the
// per-evaluation layout, and killing a remote process group by the pgid file it wrote.
import { posix } from 'node:path';
import type { EvaluationRequest } from '../../types';

/** Single-quotes a string for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `export K='V' ...;` for a shell command line (empty string when there is nothing to export). */
export function exportLine(env: Record<string, string>): string {
  const pairs = Object.entries(env);
  for (const [key] of pairs) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`invalid environment variable name: ${key}`);
  return pairs.length === 0 ? '' : `export ${pairs.map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ')}; `;
}

/** A relative path that stays inside its root, in POSIX form; throws otherwise. */
export function safeRelativePath(relativePath: string): string {
  const normalized = posix.normalize(relativePath.replace(/\\/g, '/'));
  if (!normalized || normalized === '.' || posix.isAbsolute(normalized) || normalized === '..' || normalized.startsWith('../')) {
    throw new Error(`candidate path must be relative and inside the work dir: ${relativePath}`);
  }
  return normalized;
}

/** A file-name-safe form of an evaluation id. */
export function safeName(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
  return cleaned || 'evaluation';
}

/** Where one evaluation lives on the remote side. */
export interface RemoteEvaluationLayout {
  dir: string;
  workDir: string;
  candidateFile: string;
  resultFile: string;
  pgidFile: string;
  stdoutFile: string;
  stderrFile: string;
}

/** `sequence` keeps dirs apart when one evaluation id is evaluated again (or retried). */
export function evaluationLayout(sessionDir: string, request: EvaluationRequest, sequence: number): RemoteEvaluationLayout {
  const dir = posix.join(sessionDir, `eval-${safeName(request.evaluationId)}-${sequence}`);
  const workDir = posix.join(dir, 'work');
  return {
    dir,
    workDir,
    candidateFile: posix.join(workDir, safeRelativePath(request.relativePath)),
    resultFile: posix.join(dir, 'result.json'),
    pgidFile: posix.join(dir, 'pgid'),
    stdoutFile: posix.join(dir, 'stdout.txt'),
    stderrFile: posix.join(dir, 'stderr.txt'),
  };
}

/** The contract v1 environment of one evaluation. */
export function contractEnv(request: EvaluationRequest, layout: RemoteEvaluationLayout): Record<string, string> {
  return {
    GENESIS_CANDIDATE_FILE: layout.candidateFile,
    GENESIS_WORKDIR: layout.workDir,
    GENESIS_FUNCTION: request.functionName,
    GENESIS_LANGUAGE: request.language,
    GENESIS_RESULT: layout.resultFile,
    GENESIS_EVALUATION_ID: request.evaluationId,
  };
}

/** Creates the work dir as a copy of the setup dir, and the candidate's parent dir. */
export function prepareWorkDirCommand(setupDir: string, layout: RemoteEvaluationLayout): string {
  return [
    `mkdir -p ${shellQuote(layout.workDir)}`,
    `cp -R ${shellQuote(`${setupDir}/.`)} ${shellQuote(layout.workDir)}`,
    `mkdir -p ${shellQuote(posix.dirname(layout.candidateFile))}`,
  ].join(' && ');
}

/**
 * Runs `command` in its own session and process group (setsid), after writing that group's id to
 * `pgidFile`, so that a second channel can kill everything it started. `setsid -w` keeps the
 * channel open until the command ends; without util-linux's setsid the shell sshd started (itself a
 * session leader under OpenSSH) is used as the group.
 */
export function processGroupCommand(command: string, pgidFile: string): string {
  const inner = shellQuote('echo $$ > "$1" && exec /bin/sh -c "$2"');
  const args = `genesis-evaluation ${shellQuote(pgidFile)} ${shellQuote(command)}`;
  return `if command -v setsid >/dev/null 2>&1; then exec setsid -w /bin/sh -c ${inner} ${args}; else exec /bin/sh -c ${inner} ${args}; fi`;
}

/** Exit status of the run command when the work dir could not be prepared (before the evaluator ran). */
export const PREPARE_FAILED_EXIT = 97;
export const PREPARE_FAILED_MESSAGE = 'genesis: could not prepare the remote work dir';

/**
 * One remote command for one evaluation: makes the work dir a copy of the setup dir, moves the
 * uploaded candidate to its relative path, then runs `command` there in its own process group with
 * `env` exported. Exits PREPARE_FAILED_EXIT (with PREPARE_FAILED_MESSAGE on stderr) when the work
 * dir cannot be made.
 */
export function evaluationCommand(
  setupDir: string,
  uploadedCandidate: string,
  layout: RemoteEvaluationLayout,
  env: Record<string, string>,
  command: string,
): string {
  const prepare = [
    `mkdir -p ${shellQuote(layout.workDir)}`,
    `cp -R ${shellQuote(`${setupDir}/.`)} ${shellQuote(layout.workDir)}`,
    `mkdir -p ${shellQuote(posix.dirname(layout.candidateFile))}`,
    `mv -f ${shellQuote(uploadedCandidate)} ${shellQuote(layout.candidateFile)}`,
  ].join(' && ');
  return (
    `{ ${prepare}; } || { echo ${shellQuote(PREPARE_FAILED_MESSAGE)} >&2; exit ${PREPARE_FAILED_EXIT}; }; ` +
    `cd ${shellQuote(layout.workDir)} && ${exportLine(env)}${processGroupCommand(command, layout.pgidFile)}`
  );
}

/**
 * Kills the process group named in `pgidFile`: TERM, up to `graceSec` for it to go, then KILL.
 * Waits briefly for the file in case the command has only just started. Always exits 0 (run it
 * alone or in a subshell). Zombies do not count as alive: an init that reaps slowly keeps them.
 */
export function killGroupCommand(pgidFile: string, graceSec = 2): string {
  const f = shellQuote(pgidFile);
  const ticks = Math.max(1, Math.round(graceSec * 10));
  const alive = `ps -e -o pgid= -o stat= | awk -v g="$pg" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'`;
  return [
    `i=0; while [ ! -s ${f} ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done`,
    `[ -s ${f} ] || exit 0`,
    `pg=$(cat ${f})`,
    `pkill -TERM -g "$pg" 2>/dev/null || exit 0`,
    `i=0; while ${alive} && [ $i -lt ${ticks} ]; do sleep 0.1; i=$((i+1)); done`,
    `pkill -KILL -g "$pg" 2>/dev/null; exit 0`,
  ].join('; ');
}
