// Everything the CLI prints goes through here: text is made terminal-safe (it carries evaluator
// output, feedback, model text and names read from run folders), and a reader that goes away
// (`genesis runs list | head -1`) ends the output quietly instead of with an EPIPE stack trace.
import { terminalSafe, terminalSafeJson } from '../core/util/terminalText';

type Stream = NodeJS.WriteStream;

const closed = new WeakSet<Stream>();

/** Errors of a stream whose reader has gone: the rest of its output is dropped, nothing is thrown. */
function isClosedReader(error: NodeJS.ErrnoException): boolean {
  return error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED' || error.code === 'ERR_STREAM_WRITE_AFTER_END';
}

/**
 * Makes a closed stdout or stderr harmless for the rest of the process: later writes are dropped,
 * the command goes on (a run still finishes and records its evaluations) and exits normally.
 */
export function quietOnClosedOutput(streams: Stream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (isClosedReader(error)) {
        closed.add(stream);
        return;
      }
      throw error;
    });
  }
}

function write(stream: Stream, text: string): void {
  if (closed.has(stream) || stream.destroyed) return;
  try {
    stream.write(text);
  } catch (error) {
    if (!isClosedReader(error as NodeJS.ErrnoException)) throw error;
    closed.add(stream);
  }
}

/** Text for stdout, untrusted parts included: escape sequences stripped, controls made visible. */
export function printOut(text: string): void {
  write(process.stdout, terminalSafe(text));
}

/** A progress or error line for stderr, made terminal-safe like printOut. */
export function printErr(text: string): void {
  write(process.stderr, terminalSafe(text));
}

/** A value as JSON on stdout, with the characters JSON leaves raw that a terminal would obey escaped. */
export function printJson(value: unknown): void {
  write(process.stdout, terminalSafeJson(value, 2) + '\n');
}
