import { type FigureId, figure, HOST_SUBJECT, type SubjectKind } from "./figures.ts"

/**
 * What the rules see of one moment: the figures of the latest readings. Built by the sampler from
 * its readings; the engine never reads anything else.
 */
export interface Observation {
  /**
   * The figure's value for a subject (HOST_SUBJECT for host figures, a mount point, a container or
   * a probe name), or undefined when it is not sampled (yet) or not available on this host. An
   * increase figure's value is the counter's running total. Booleans for boolean figures, finite
   * numbers for the others; anything else counts as not sampled.
   */
  readonly value: (figure: FigureId, subject: string) => number | boolean | undefined
  /**
   * The subjects present now, or undefined when they are not known (the collector has not
   * sampled yet, or its last sample failed): then no alert of that kind starts, ends or moves on.
   */
  readonly subjects: (kind: Exclude<SubjectKind, "host">) => ReadonlyArray<string> | undefined
  /**
   * The records the figures come from, when the observation was made from them: a record that is
   * the same object in two observations holds the same figures (the engine's idleChecker then
   * skips it).
   */
  readonly sections?: ObservationInput
}

export type Figures = Readonly<Partial<Record<FigureId, number | boolean>>>

/** An observation from plain records: a kind left out is not known, one given lists its subjects. */
export interface ObservationInput {
  readonly host?: Figures
  readonly disk?: Readonly<Record<string, Figures>>
  readonly container?: Readonly<Record<string, Figures>>
  readonly probe?: Readonly<Record<string, Figures>>
}

export const makeObservation = (input: ObservationInput): Observation => {
  const bySubject = (kind: Exclude<SubjectKind, "host">) => input[kind]
  // Asked once per rule: listed once per kind.
  const listed: Partial<Record<Exclude<SubjectKind, "host">, ReadonlyArray<string>>> = {}
  return {
    sections: input,
    value: (id, subject) => {
      const kind = figure(id).kind
      if (kind === "host") return subject === HOST_SUBJECT ? input.host?.[id] : undefined
      const figures = bySubject(kind)
      return figures !== undefined && Object.hasOwn(figures, subject) ? figures[subject]?.[id] : undefined
    },
    subjects: (kind) => {
      const figures = bySubject(kind)
      if (figures === undefined) return undefined
      listed[kind] ??= Object.keys(figures)
      return listed[kind]
    }
  }
}
