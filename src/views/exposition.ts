// A writer for the Prometheus text exposition format 0.0.4: HELP and TYPE once per family,
// escaped label values, and no family without samples (promtool rejects neither, but an empty
// family tells a reader nothing).

export type MetricType = "gauge" | "counter"
export type Labels = Readonly<Record<string, string>>

export interface Sample {
  readonly labels?: Labels | undefined
  readonly value: number | null | undefined
}

const escapeHelp = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")
const escapeLabel = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")

const formatValue = (n: number): string => {
  if (Number.isNaN(n)) return "NaN"
  if (n === Number.POSITIVE_INFINITY) return "+Inf"
  if (n === Number.NEGATIVE_INFINITY) return "-Inf"
  // A quotient such as 25.78 / 100 prints as 0.25780000000000003: fifteen significant digits
  // drop the float noise and nothing else (integers stay whole: a byte count may need sixteen).
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(15)))
}

const formatLabels = (labels: Labels | undefined): string => {
  if (labels === undefined) return ""
  const keys = Object.keys(labels)
  if (keys.length === 0) return ""
  return `{${keys.map((k) => `${k}="${escapeLabel(labels[k] ?? "")}"`).join(",")}}`
}

export class Exposition {
  private readonly parts: Array<string> = []

  /** Adds one family. Samples with a null value are left out: a missing figure is no figure, never 0. */
  family(name: string, type: MetricType, help: string, samples: Iterable<Sample>): this {
    const lines: Array<string> = []
    // Two samples with the same labels would make the whole scrape fail; the first one wins.
    const seen = new Set<string>()
    for (const sample of samples) {
      if (sample.value === null || sample.value === undefined) continue
      const labels = formatLabels(sample.labels)
      if (seen.has(labels)) continue
      seen.add(labels)
      lines.push(`${name}${labels} ${formatValue(sample.value)}\n`)
    }
    if (lines.length === 0) return this
    this.parts.push(`# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`, ...lines)
    return this
  }

  gauge(name: string, help: string, samples: Iterable<Sample>): this {
    return this.family(name, "gauge", help, samples)
  }

  counter(name: string, help: string, samples: Iterable<Sample>): this {
    return this.family(name, "counter", help, samples)
  }

  toString(): string {
    return this.parts.join("")
  }
}

/** One sample per item, labelled `label` = its name, with the value `pick` gives it. */
export const perSubject =
  <A>(label: string, items: ReadonlyArray<A>, nameOf: (a: A) => string) =>
  (pick: (a: A) => number | null | undefined): ReadonlyArray<Sample> =>
    items.map((a) => ({ labels: { [label]: nameOf(a) }, value: pick(a) }))

/** One sample without labels. */
export const single = (value: number | null | undefined): ReadonlyArray<Sample> => [{ value }]
