import { Schema } from "effect"
import { formatProblem, RuleProblem } from "./rules.ts"

// A rules file that cannot be used stops the start, as a bad environment value does: an alert that
// silently never fires is worse than a service that says at once what is wrong with its file.

export class RulesFileUnreadable extends Schema.TaggedError<RulesFileUnreadable>()("RulesFileUnreadable", {
  detail: Schema.String
}) {
  override get message() {
    return `it cannot be read: ${this.detail}`
  }
}

export class RulesFileSyntax extends Schema.TaggedError<RulesFileSyntax>()("RulesFileSyntax", {
  format: Schema.Literals(["YAML", "JSON"]),
  line: Schema.NullOr(Schema.Int),
  column: Schema.NullOr(Schema.Int),
  detail: Schema.String
}) {
  override get message() {
    const at = this.line === null ? "" : ` at line ${this.line}${this.column === null ? "" : `, column ${this.column}`}`
    return `it is not valid ${this.format}${at}: ${this.detail}`
  }
}

// Enough to fix a file in one go; a file with more wrong than this has a different problem.
const SHOWN_PROBLEMS = 20

export class RulesRejected extends Schema.TaggedError<RulesRejected>()("RulesRejected", {
  problems: Schema.Array(RuleProblem)
}) {
  override get message() {
    const shown = this.problems.slice(0, SHOWN_PROBLEMS).map(formatProblem)
    const more = this.problems.length - shown.length
    return shown.join("; ") + (more > 0 ? `; and ${more} more` : "")
  }
}

export class AlertRulesInvalid extends Schema.TaggedError<AlertRulesInvalid>()("AlertRulesInvalid", {
  variable: Schema.String,
  file: Schema.String,
  reason: Schema.Union([RulesFileUnreadable, RulesFileSyntax, RulesRejected])
}) {
  override get message() {
    return `${this.variable} (${this.file}): ${this.reason.message}`
  }
}
