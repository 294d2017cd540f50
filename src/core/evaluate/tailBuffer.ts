/** Keeps only the last `capacity` bytes of a stream, so a chatty process cannot grow our memory. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private held = 0;
  private total = 0;

  constructor(private readonly capacity: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (chunk.length >= this.capacity) {
      // Copy: a subarray would pin the whole (possibly large) chunk in memory.
      this.chunks = [Buffer.from(chunk.subarray(chunk.length - this.capacity))];
      this.held = this.capacity;
      return;
    }
    this.chunks.push(chunk);
    this.held += chunk.length;
    while (this.held - this.chunks[0].length >= this.capacity) {
      this.held -= this.chunks[0].length;
      this.chunks.shift();
    }
  }

  /** Bytes seen in total, kept or not. */
  get totalBytes(): number {
    return this.total;
  }

  /** The last `maxBytes` (default: all kept) bytes as text; a character cut at the start is dropped. */
  text(maxBytes = this.capacity): string {
    const all = Buffer.concat(this.chunks);
    const tail = all.length > maxBytes ? all.subarray(all.length - maxBytes) : all;
    let start = 0;
    // Skip UTF-8 continuation bytes of a character whose first byte fell outside the tail.
    if (tail.length < this.total) while (start < tail.length && start < 4 && (tail[start] & 0xc0) === 0x80) start++;
    return tail.subarray(start).toString('utf8');
  }
}

const OPEN_BRACE = 0x7b;
const NEWLINE = 0x0a;

/**
 * Keeps the last line of a stream that starts with `{` (a result JSON candidate), whole, however
 * far back it began, up to `capacity` bytes: a result line longer than the tail (256 KB) would
 * otherwise be cut and read as "no result". Lines of other text are not kept.
 */
export class LastObjectLine {
  private current: Buffer[] | undefined;
  private currentBytes = 0;
  private currentStart = 0;
  /** Still in the leading white space of a line: whether it is kept is not yet known. */
  private undecided = true;
  private last: { text: Buffer; start: number } | undefined;
  private total = 0;

  constructor(private readonly capacity: number) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      this.feed(chunk.subarray(start, newline === -1 ? chunk.length : newline), this.total + start);
      if (newline === -1) break;
      if (this.current) this.last = { text: Buffer.concat(this.current), start: this.currentStart };
      this.current = undefined;
      this.undecided = true;
      start = newline + 1;
    }
    this.total += chunk.length;
  }

  /**
   * The last `{` line (an unterminated one at the end included) when it began before the last
   * `tailBytes` of the stream, i.e. when a tail of that size does not hold it whole.
   */
  lineOutside(tailBytes: number): string | undefined {
    const line = this.current && !this.undecided ? { text: Buffer.concat(this.current), start: this.currentStart } : this.last;
    if (!line || line.start >= this.total - tailBytes) return undefined;
    return line.text.toString('utf8');
  }

  private feed(part: Buffer, offset: number): void {
    if (this.undecided) {
      let i = 0;
      while (i < part.length && (part[i] === 0x20 || part[i] === 0x09 || part[i] === 0x0d)) i++;
      if (i === part.length) return;
      this.undecided = false;
      if (part[i] !== OPEN_BRACE) return;
      this.current = [];
      this.currentBytes = 0;
      this.currentStart = offset + i;
      part = part.subarray(i);
    }
    if (!this.current) return;
    if (this.currentBytes + part.length > this.capacity) {
      this.current = undefined;
      return;
    }
    // A copy: a subarray would pin the whole chunk.
    this.current.push(Buffer.from(part));
    this.currentBytes += part.length;
  }
}
