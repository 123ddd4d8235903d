import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import { Unauthorized } from "./errors.ts"

export const TOKEN_HEADER = "X-Profiler-Token"
export const TOKEN_ENV = "SYSTEM_PROFILER_AUTH_TOKEN"

export class Authorization extends HttpApiMiddleware.Service<Authorization>()("system-profiler/api/Authorization", {
  // The token as X-Profiler-Token, or as `Authorization: Bearer <token>` for clients that only
  // speak the standard scheme.
  security: {
    token: HttpApiSecurity.apiKey({ key: TOKEN_HEADER, in: "header" }),
    bearer: HttpApiSecurity.bearer
  },
  error: Unauthorized
}) {}
