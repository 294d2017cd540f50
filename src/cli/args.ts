// A small argument parser: flags may repeat (e.g. --model), values follow their flag.

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string[]>;
  switches: Set<string>;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], valueFlags: readonly string[], switchFlags: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { positional: [], flags: new Map(), switches: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      parsed.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (switchFlags.includes(name)) {
      parsed.switches.add(name);
      continue;
    }
    if (!valueFlags.includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    parsed.flags.set(name, [...(parsed.flags.get(name) ?? []), value]);
  }
  return parsed;
}

export function single(args: ParsedArgs, name: string): string | undefined {
  const values = args.flags.get(name);
  if (values && values.length > 1) throw new UsageError(`--${name} given more than once`);
  return values?.[0];
}

export function integer(args: ParsedArgs, name: string, fallback: number, min = 1): number {
  const text = single(args, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${name} must be a whole number ≥ ${min} (got "${text}")`);
  return value;
}
