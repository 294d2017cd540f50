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
