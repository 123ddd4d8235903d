import { Schema } from "effect"
import { HttpApiMiddleware, HttpApiSchema, HttpApiSecurity } from "effect/http-api"
import { TOKEN_HEADER } from "./Authorization.ts"
import { Unauthorized } from "./errors.ts"

// /metrics takes the same token as every other route, in X-Profiler-Token or as
// `Authorization: Bearer <token>`: a Prometheus scrape config can only send the latter.
export class MetricsAuthorization extends HttpApiMiddleware.Service<MetricsAuthorization>()(
  "system-profiler/api/MetricsAuthorization",
  {
    security: {
      token: HttpApiSecurity.apiKey({ key: TOKEN_HEADER, in: "header" }),
      bearer: HttpApiSecurity.bearer
    },
    error: Unauthorized
  }
) {}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

export const MetricsText = Schema.String.pipe(HttpApiSchema.asText({ contentType: PROMETHEUS_CONTENT_TYPE })).annotate({
  description: "Host, container and probe figures in the Prometheus text exposition format 0.0.4"
})
