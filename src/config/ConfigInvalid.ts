import { Schema } from "effect"

// A bad environment value. The message names the variable and what it accepts, and never
// echoes the value of a secret.
export class ConfigInvalid extends Schema.TaggedError<ConfigInvalid>()("ConfigInvalid", {
  variable: Schema.String,
  accepts: Schema.String,
  problem: Schema.String
}) {
  override get message(): string {
    return `${this.variable}: ${this.problem}; it accepts ${this.accepts}`
  }
}
