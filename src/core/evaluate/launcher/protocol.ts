// What the evaluation launcher (launcherProcess.ts) and its client (launcherClient.ts) say to each
// other: one JSON object per line, over the launcher's stdin (requests) and stdout (replies).
import { StringDecoder } from 'node:string_decoder';
import type { ProcessOutcome } from '../processRunner';

export interface BaseEnvRequest {
  type: 'base-env';
  /** Sent once: every later run's environment is this plus the run's own variables. */
  env: Record<string, string>;
}

export interface RunRequest {
  type: 'run';
  id: number;
  argv: string[];
  cwd: string;
  /** Variables of this run only, laid over the base environment. */
  env: Record<string, string>;
  timeoutMs: number;
  maxOutputBytes: number;
  tailBytes: number;
  killGraceMs?: number;
}

/** Starts a process ahead of its evaluation: it waits for its line (the evaluation id). */
export interface WarmRequest {
  type: 'warm';
  id: number;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  maxOutputBytes: number;
  tailBytes: number;
}

/** Hands a warm process its line and supervises it like a run (answered 'done', or 'gone'). */
export interface GoRequest {
  type: 'go';
  id: number;
  line: string;
  timeoutMs: number;
  killGraceMs?: number;
}

/** Ends a run or a go; kills a warm process that is still waiting. */
export interface CancelRequest {
  type: 'cancel';
  id: number;
}

export type LauncherRequest = BaseEnvRequest | RunRequest | WarmRequest | GoRequest | CancelRequest;

export interface StartedReply {
  type: 'started';
  id: number;
  /** Also the process group id: the client kills the group itself if the launcher dies. */
  pid: number;
}

export interface DoneReply {
  type: 'done';
  id: number;
  outcome: ProcessOutcome;
}

/** The warm process of a go had already ended (or is unknown here): start one afresh. */
export interface GoneReply {
  type: 'gone';
  id: number;
}

export type LauncherReply = StartedReply | DoneReply | GoneReply;

/** Splits a byte stream into lines and hands each complete one on (no line is ever cut). */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer) => void {
  // A decoder, not chunk.toString(): a character split across two chunks must stay whole.
  const decoder = new StringDecoder('utf8');
  let pending = '';
  return (chunk) => {
    const text = pending + decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      if (end > start) onLine(text.slice(start, end));
      start = end + 1;
    }
    pending = text.slice(start);
  };
}
