import { Duration } from "effect"
import type { CheckSettings } from "../../../src/collectors/services/check.ts"

// Short timeouts and backoff so that a failing probe's whole retry policy runs in about a second.
export const testSettings: CheckSettings = {
  timeout: Duration.millis(300),
  retries: 2,
  retryBase: Duration.millis(50),
  budget: Duration.seconds(30)
}
