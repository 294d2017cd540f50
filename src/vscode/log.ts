// The one output channel of the extension. Every module logs through the instance created in
// activate(). Every line passes through a redaction of the API keys this window has handled
// (SecretStorage hands each one to `protect` when it reads or stores it), so a key that slipped
// into a message — a server echoing it, a model name pasted with it — still never reaches the log.
import * as vscode from 'vscode';

export type LogLevel = 'info' | 'warn' | 'error';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  log(level: LogLevel, message: string): void;
  /** From now on, `secret` is replaced by *** in every line and in `redact`. */
  protect(secret: string): void;
  /** `text` with every protected secret replaced by ***: for messages shown outside the log. */
  redact(text: string): string;
}

/** Shorter strings are not treated as secrets: replacing them would mangle ordinary text. */
const MIN_SECRET_LENGTH = 4;

/** The known secrets and their removal from text (longest first, so a key containing another is removed whole). */
export class SecretRedactor {
  private secrets: string[] = [];

  add(secret: string): void {
    const value = secret.trim();
    if (value.length < MIN_SECRET_LENGTH || this.secrets.includes(value)) return;
    this.secrets = [...this.secrets, value].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join('***');
    return out;
  }
}

export function createLogger(context: vscode.ExtensionContext): Logger {
  const channel = vscode.window.createOutputChannel('Genesis', { log: true });
  context.subscriptions.push(channel);
  const redactor = new SecretRedactor();
  const log = (level: LogLevel, message: string): void => {
    const safe = redactor.redact(message);
    if (level === 'error') channel.error(safe);
    else if (level === 'warn') channel.warn(safe);
    else channel.info(safe);
  };
  return {
    log,
    info: (m) => log('info', m),
    warn: (m) => log('warn', m),
    error: (m) => log('error', m),
    protect: (secret) => redactor.add(secret),
    redact: (text) => redactor.redact(text),
  };
}

/** A readable message for anything thrown or rejected. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
