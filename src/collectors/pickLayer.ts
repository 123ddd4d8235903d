import { Effect, Layer } from "effect"
import { AppConfig } from "../config/AppConfig.ts"

// Mock on a laptop or when asked, live on the Linux host: decided once, from the config.
export const pickLayer = <A, E1, R1, E2, R2>(
  mock: Layer.Layer<A, E1, R1>,
  live: Layer.Layer<A, E2, R2>
): Layer.Layer<A, E1 | E2, R1 | R2 | AppConfig> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const config = yield* AppConfig
      return config.mockMode ? (mock as Layer.Layer<A, E1 | E2, R1 | R2>) : live
    })
  )
