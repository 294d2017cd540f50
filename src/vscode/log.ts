// The one output channel of the extension. Every module logs through the instance created in
// activate(); nothing here may ever receive an API key.
import * as vscode from 'vscode';

export type LogLevel = 'info' | 'warn' | 'error';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  log(level: LogLevel, message: string): void;
}

export function createLogger(context: vscode.ExtensionContext): Logger {
  const channel = vscode.window.createOutputChannel('Genesis', { log: true });
  context.subscriptions.push(channel);
  const log = (level: LogLevel, message: string): void => {
    if (level === 'error') channel.error(message);
    else if (level === 'warn') channel.warn(message);
    else channel.info(message);
  };
  return {
    log,
    info: (m) => log('info', m),
    warn: (m) => log('warn', m),
    error: (m) => log('error', m),
  };
}

/** A readable message for anything thrown or rejected. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
