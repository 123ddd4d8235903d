import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import { Unauthorized } from "./errors.ts"

export const TOKEN_HEADER = "X-Profiler-Token"
export const TOKEN_ENV = "SYSTEM_PROFILER_AUTH_TOKEN"

export class Authorization extends HttpApiMiddleware.Service<Authorization>()("system-profiler/api/Authorization", {
  security: { token: HttpApiSecurity.apiKey({ key: TOKEN_HEADER, in: "header" }) },
  error: Unauthorized
}) {}
