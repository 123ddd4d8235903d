import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { ProfilerApi } from "../api/Api.ts"
import { Doctor } from "../doctor/Doctor.ts"

export const DoctorHandlers = HttpApiBuilder.group(ProfilerApi, "doctor", (handlers) =>
  Effect.gen(function* () {
    const doctor = yield* Doctor
    return handlers.handle("doctor", () => doctor.run)
  })
)
