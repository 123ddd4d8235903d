// Newline-delimited text out of a byte stream, with the memory of one line bounded. Docker writes
// one JSON event per line; nothing but a broken daemon or proxy sends a line of megabytes, and
// such a line must cost neither unbounded memory nor the events after it.
//
// Not effect/encoding's Ndjson.decode, which has a maxLineBytes too: its first oversize or
// malformed line fails the whole stream, and a reconnection would replay that same line from
// `since` and fail again, for ever; here such a line is skipped and the stream goes on. And its
// JSON.parse would round timeNano, which decode.ts reads exactly.

export interface LineSink {
  /** A complete line, without its newline (nor a carriage return before it). */
  readonly line: (text: string) => void
  /** A line longer than the limit ended, and was skipped; `bytes` is its length. */
  readonly oversize: (bytes: number) => void
}

export class LineSplitter {
  private parts: Array<Uint8Array> = []
  private held = 0
  /** Bytes of the oversize line being skipped; 0 when none is. */
  private skipped = 0

  /** The longest line kept. */
  readonly maxLineBytes: number
  /** How much of one oversize line is skipped before the stream is given up on as broken. */
  readonly maxSkipBytes: number

  constructor(maxLineBytes: number, maxSkipBytes: number) {
    this.maxLineBytes = maxLineBytes
    this.maxSkipBytes = maxSkipBytes
  }

  /**
   * Feeds one chunk. Returns "endless" when an oversize line has gone on past maxSkipBytes
   * without ending (the caller drops the connection), else "ok". Holds at most maxLineBytes.
   */
  push(chunk: Uint8Array, sink: LineSink): "ok" | "endless" {
    let start = 0
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start)
      const end = nl === -1 ? chunk.length : nl
      const piece = end - start
      if (this.skipped > 0 || this.held + piece > this.maxLineBytes) {
        this.skipped += this.held + piece
        this.parts = []
        this.held = 0
        if (nl === -1) return this.skipped > this.maxSkipBytes ? "endless" : "ok"
        sink.oversize(this.skipped)
        this.skipped = 0
      } else if (nl === -1) {
        if (piece > 0) {
          // A copy: the chunk's buffer may be reused by the reader once this returns.
          this.parts.push(chunk.slice(start, end))
          this.held += piece
        }
        return "ok"
      } else {
        const tail = chunk.subarray(start, end)
        const bytes = this.held === 0 ? tail : Buffer.concat([...this.parts, tail])
        this.parts = []
        this.held = 0
        let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8")
        if (text.endsWith("\r")) text = text.slice(0, -1)
        if (text.trim() !== "") sink.line(text)
      }
      start = end + 1
    }
    return "ok"
  }

  /** Bytes held for the line in progress. */
  get pending(): number {
    return this.held
  }
}
