// The binary form of aggregates in the database: one row of a tier table holds one bucket,
// every series seen in it packed together. Packing all series of a bucket in one row makes a
// flush write a few whole rows, and a long query read a few hundred rows instead of hundreds of
// thousands. The format can hold several buckets in a row (a "chunk": appending a bucket is a
// concatenation); the store writes one, at slot 0.
//
//   chunk   := bucket*
//   bucket  := varint(slot) varint(byteLength) segment*   (slot: the bucket's index in the chunk)
//   segment := varint(seriesId) varint(byteLength) entry*
//   entry   := varint(metricId * 2 + isCounter) u8(tags) gauge | counter
//   gauge   := varint(count) num(min) num(max) num(sum)
//   counter := num(last) num(increase)
//
// A number is stored in the smallest form that gives it back exactly, chosen per number by two
// bits of `tags` (first number in the low bits): a zigzag varint for integers (byte counts,
// memory, counts: 1 to 8 bytes), float32 when that is exact, else float64. A gauge that did not
// move (a flag, a pid count, a disk's size) stores its max and sum as the fourth form, "derived"
// (max = min, sum = min * count) when that gives them back exactly. Nothing is rounded: min,
// mean and max read back are the values that went in.
// Byte lengths let a reader skip a bucket or a series without decoding it.

import type { CounterAgg, GaugeAgg, SeriesAgg } from "./model.ts"

const INT = 0
const F32 = 1
const F64 = 2
const DERIVED = 3
// Zigzag doubles the magnitude: beyond 2^52 it would leave the exact integers of a double.
const MAX_VARINT_INT = 2 ** 52

export class ByteWriter {
  private buf: Uint8Array
  private view: DataView
  length = 0

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity)
    this.view = new DataView(this.buf.buffer)
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.length + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  byte(b: number): void {
    this.reserve(1)
    this.buf[this.length++] = b
  }

  varint(v: number): void {
    this.reserve(10)
    while (v >= 128) {
      this.buf[this.length++] = (v % 128) | 128
      v = Math.floor(v / 128)
    }
    this.buf[this.length++] = v
  }

  f32(v: number): void {
    this.reserve(4)
    this.view.setFloat32(this.length, v, true)
    this.length += 4
  }

  f64(v: number): void {
    this.reserve(8)
    this.view.setFloat64(this.length, v, true)
    this.length += 8
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
  }

  /** A copy of what was written (the database keeps its own copy of a bound blob anyway). */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length)
  }

  reset(): void {
    this.length = 0
  }
}

const formOf = (v: number): number => {
  if (Number.isInteger(v) && Math.abs(v) < MAX_VARINT_INT) return INT
  return Math.fround(v) === v ? F32 : F64
}

const writeNumber = (w: ByteWriter, form: number, v: number): void => {
  if (form === INT) w.varint(v >= 0 ? v * 2 : -v * 2 - 1)
  else if (form === F32) w.f32(v)
  else w.f64(v)
}

export interface EncodableSeries {
  readonly seriesId: number
  readonly agg: SeriesAgg<number>
}

const segmentWriter = new ByteWriter()
const bodyWriter = new ByteWriter()

const writeSegment = (w: ByteWriter, { seriesId, agg }: EncodableSeries): void => {
  const s = segmentWriter
  s.reset()
  for (const [metricId, g] of agg.gauges) {
    const fMin = formOf(g.min)
    const fMax = g.max === g.min ? DERIVED : formOf(g.max)
    const fSum = g.min * g.count === g.sum ? DERIVED : formOf(g.sum)
    s.varint(metricId * 2)
    s.byte(fMin | (fMax << 2) | (fSum << 4))
    s.varint(g.count)
    writeNumber(s, fMin, g.min)
    if (fMax !== DERIVED) writeNumber(s, fMax, g.max)
    if (fSum !== DERIVED) writeNumber(s, fSum, g.sum)
  }
  for (const [metricId, c] of agg.counters) {
    const fLast = formOf(c.last)
    const fInc = formOf(c.increase)
    s.varint(metricId * 2 + 1)
    s.byte(fLast | (fInc << 2))
    writeNumber(s, fLast, c.last)
    writeNumber(s, fInc, c.increase)
  }
  w.varint(seriesId)
  w.varint(s.length)
  w.bytes(s.toBytes())
}

/** Appends one bucket (its slot in the chunk and every series in it) to `w`. */
export const writeBucket = (w: ByteWriter, slot: number, series: Iterable<EncodableSeries>): void => {
  const b = bodyWriter
  b.reset()
  for (const s of series) writeSegment(b, s)
  w.varint(slot)
  w.varint(b.length)
  w.bytes(b.toBytes())
}

export const encodeBucket = (slot: number, series: Iterable<EncodableSeries>): Uint8Array => {
  const w = new ByteWriter(256)
  writeBucket(w, slot, series)
  return w.toBytes()
}

/** A damaged blob: the store treats it like a damaged database file. */
export class MalformedChunk extends Error {
  readonly _tag = "MalformedChunk"
}

/** Receives a chunk's content in order; returning false from `bucket` or `series` skips it. */
export interface ChunkVisitor {
  bucket(slot: number): boolean
  series(seriesId: number): boolean
  gauge(metricId: number, count: number, min: number, max: number, sum: number): void
  counter(metricId: number, last: number, increase: number): void
}

// A cursor over a blob. A class rather than closures over a shared position: a query decodes
// about a million entries, and V8 keeps this cursor's fields in registers.
class Reader {
  pos = 0
  readonly blob: Uint8Array
  readonly view: DataView
  readonly end: number

  constructor(blob: Uint8Array) {
    this.blob = blob
    this.view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength)
    this.end = blob.length
  }

  varint(): number {
    const blob = this.blob
    let b = blob[this.pos++]
    if (b === undefined) throw new MalformedChunk("truncated varint")
    if (b < 128) return b
    let result = b & 127
    let mult = 128
    for (;;) {
      b = blob[this.pos++]
      if (b === undefined || mult > 2 ** 56) throw new MalformedChunk("truncated varint")
      result += (b & 127) * mult
      if (b < 128) return result
      mult *= 128
    }
  }

  number(form: number): number {
    if (form === INT) {
      const z = this.varint()
      return z % 2 === 0 ? z / 2 : -(z + 1) / 2
    }
    const at = this.pos
    if (form === F32) {
      if (at + 4 > this.end) throw new MalformedChunk("truncated float32")
      this.pos = at + 4
      return this.view.getFloat32(at, true)
    }
    if (form === F64) {
      if (at + 8 > this.end) throw new MalformedChunk("truncated float64")
      this.pos = at + 8
      return this.view.getFloat64(at, true)
    }
    throw new MalformedChunk(`unknown number form ${form}`)
  }
}

/** Reads a chunk, calling `visitor` for what it holds. Throws MalformedChunk on damage. */
export const readChunk = (blob: Uint8Array, visitor: ChunkVisitor): void => {
  const r = new Reader(blob)
  const end = r.end
  while (r.pos < end) {
    const slot = r.varint()
    const bodyEnd = r.varint() + r.pos
    if (bodyEnd > end) throw new MalformedChunk("bucket overruns its chunk")
    if (!visitor.bucket(slot)) {
      r.pos = bodyEnd
      continue
    }
    while (r.pos < bodyEnd) {
      const seriesId = r.varint()
      const segmentEnd = r.varint() + r.pos
      if (segmentEnd > bodyEnd) throw new MalformedChunk("series overruns its bucket")
      if (!visitor.series(seriesId)) {
        r.pos = segmentEnd
        continue
      }
      while (r.pos < segmentEnd) {
        const key = r.varint()
        const tags = blob[r.pos++] ?? 0
        if (key % 2 === 0) {
          const count = r.varint()
          const min = r.number(tags & 3)
          const fMax = (tags >> 2) & 3
          const max = fMax === DERIVED ? min : r.number(fMax)
          const fSum = (tags >> 4) & 3
          const sum = fSum === DERIVED ? min * count : r.number(fSum)
          visitor.gauge(key / 2, count, min, max, sum)
        } else {
          const last = r.number(tags & 3)
          const increase = r.number((tags >> 2) & 3)
          visitor.counter((key - 1) / 2, last, increase)
        }
      }
      if (r.pos !== segmentEnd) throw new MalformedChunk("series length does not match its content")
    }
  }
}

export interface DecodedBucket {
  readonly slot: number
  readonly series: Map<number, SeriesAgg<number>>
}

/** Every bucket of a chunk, in stored order, with every series and metric by id. */
export const decodeChunk = (blob: Uint8Array): Array<DecodedBucket> => {
  const buckets: Array<DecodedBucket> = []
  let bucket: DecodedBucket | undefined
  let current: SeriesAgg<number> | undefined
  readChunk(blob, {
    bucket(slot) {
      bucket = { slot, series: new Map() }
      buckets.push(bucket)
      return true
    },
    series(seriesId) {
      current = { gauges: new Map<number, GaugeAgg>(), counters: new Map<number, CounterAgg>() }
      bucket?.series.set(seriesId, current)
      return true
    },
    gauge(metricId, count, min, max, sum) {
      current?.gauges.set(metricId, { count, min, max, sum })
    },
    counter(metricId, last, increase) {
      current?.counters.set(metricId, { last, increase })
    }
  })
  return buckets
}
