// A ring of encoded JSON points with their times, bounded by a count and by a total of
// characters. Both bounds hold after every push, whatever the points hold: a host with a
// hundred containers keeps a shorter history, never a bigger one.
export class Ring {
  private readonly times: Float64Array
  private readonly texts: Array<string | undefined>
  private head = 0 // the slot of the oldest point
  private count = 0
  private chars = 0

  readonly maxPoints: number
  readonly maxChars: number

  constructor(maxPoints: number, maxChars: number) {
    this.maxPoints = maxPoints
    this.maxChars = maxChars
    this.times = new Float64Array(maxPoints)
    this.texts = new Array<string | undefined>(maxPoints).fill(undefined)
  }

  get size(): number {
    return this.count
  }

  get totalChars(): number {
    return this.chars
  }

  push(time: number, text: string): void {
    // A point bigger than the whole budget could never be kept within it.
    if (text.length > this.maxChars) return
    while (this.count > 0 && (this.count === this.maxPoints || this.chars + text.length > this.maxChars)) {
      this.dropOldest()
    }
    const slot = (this.head + this.count) % this.maxPoints
    this.times[slot] = time
    this.texts[slot] = text
    this.chars += text.length
    this.count++
  }

  /** The texts of the points at or after `since`, oldest first. */
  since(since: number): Array<string> {
    const out: Array<string> = []
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head + i) % this.maxPoints
      if ((this.times[slot] ?? 0) >= since) out.push(this.texts[slot] ?? "")
    }
    return out
  }

  private dropOldest(): void {
    this.chars -= this.texts[this.head]?.length ?? 0
    this.texts[this.head] = undefined
    this.head = (this.head + 1) % this.maxPoints
    this.count--
  }
}
