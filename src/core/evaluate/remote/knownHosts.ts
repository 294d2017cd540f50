// OpenSSH known_hosts: parsing and host key checks (plain and hashed `|1|salt|hash` names,
// `[host]:port` for non-standard ports, `*`/`?` wildcards, `!` negation, @revoked markers).
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface KnownHostEntry {
  marker?: 'revoked' | 'cert-authority';
  /** Comma-separated host patterns exactly as written (may be a hashed `|1|...` name). */
  hostPatterns: string;
  keyType: string;
  /** The raw public key blob (base64-decoded). */
  key: Buffer;
  line: number;
}

export type HostKeyCheck =
  | { ok: true }
  | { ok: false; kind: 'unknown' | 'mismatch' | 'revoked'; message: string };

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    }
    if (fields.length < 3) return;
    const [hostPatterns, keyType, keyBase64] = fields;
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length === 0) return;
    entries.push({ marker, hostPatterns, keyType, key, line: index + 1 });
  });
  return entries;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function hashedNameMatches(hashed: string, name: string): boolean {
  const parts = hashed.split('|');
  // "|1|salt|hash" splits into ['', '1', salt, hash].
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2], 'base64');
  const expected = Buffer.from(parts[3], 'base64');
  const actual = createHmac('sha1', salt).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Whether an entry's host field names `name` (OpenSSH rules: any positive match and no negated one). */
export function hostPatternsMatch(hostPatterns: string, name: string): boolean {
  if (hostPatterns.startsWith('|')) return hashedNameMatches(hostPatterns, name);
  let matched = false;
  for (const pattern of hostPatterns.split(',')) {
    if (pattern.startsWith('!')) {
      if (globToRegExp(pattern.slice(1)).test(name)) return false;
    } else if (globToRegExp(pattern).test(name)) {
      matched = true;
    }
  }
  return matched;
}

/** The key type written at the start of an SSH public key blob. */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return length > 0 && length < 64 && blob.length >= 4 + length ? blob.subarray(4, 4 + length).toString('ascii') : 'unknown';
}

/** The entries that apply to a host (cert-authority lines are not used: no certificate support). */
export function entriesForHost(entries: KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const name = knownHostsName(host, port);
  return entries.filter((e) => e.marker !== 'cert-authority' && hostPatternsMatch(e.hostPatterns, name));
}

/** Host key algorithms to offer so that the server presents a key type known_hosts has for it. */
export function hostKeyAlgorithmsFor(entries: KnownHostEntry[]): string[] {
  const algorithms: string[] = [];
  for (const entry of entries) {
    if (entry.marker === 'revoked') continue;
    const names = entry.keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [entry.keyType];
    for (const n of names) if (!algorithms.includes(n)) algorithms.push(n);
  }
  return algorithms;
}

/** Checks a presented host key blob against the known_hosts entries for `host`:`port`. */
export function checkHostKey(entries: KnownHostEntry[], host: string, port: number, presented: Buffer, knownHostsPath: string): HostKeyCheck {
  const name = knownHostsName(host, port);
  const applicable = entriesForHost(entries, host, port);
  const presentedType = keyTypeOfBlob(presented);
  if (applicable.some((e) => e.marker === 'revoked' && e.key.equals(presented))) {
    return { ok: false, kind: 'revoked', message: `HOST KEY REVOKED: the ${presentedType} key of ${name} is marked @revoked in ${knownHostsPath}` };
  }
  const trusted = applicable.filter((e) => e.marker === undefined);
  if (trusted.some((e) => e.key.equals(presented))) return { ok: true };
  if (trusted.length === 0) {
    const keyscan = port === 22 ? `ssh-keyscan ${host}` : `ssh-keyscan -p ${port} ${host}`;
    return {
      ok: false,
      kind: 'unknown',
      message: `host key for ${name} not in known_hosts (${knownHostsPath}); check the key and add it, e.g. ${keyscan} >> ${knownHostsPath}`,
    };
  }
  const lines = trusted.map((e) => e.line).join(', ');
  return {
    ok: false,
    kind: 'mismatch',
    message: `HOST KEY MISMATCH for ${name}: the server presented a ${presentedType} key that differs from ${knownHostsPath} (line ${lines}); someone may be intercepting the connection, or the host key changed`,
  };
}
