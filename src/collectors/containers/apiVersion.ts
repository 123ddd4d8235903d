// Engine API version negotiation, as the docker CLI does it: speak the lower of the daemon's
// version and the newest this service knows. Every field read here exists unchanged from 1.25 to
// 1.51; 1.51 (Docker 28) is the newest answer shape this service was checked against, and it is
// above the floor of 1.44 that Docker 29 sets.
export const NEWEST_SUPPORTED = "1.51"

/** `one-shot=true` on the stats endpoint arrived in API 1.41 (Docker 20.10). */
export const ONE_SHOT_SINCE = "1.41"

const parse = (version: string): readonly [number, number] | undefined => {
  const match = /^(\d+)\.(\d+)$/.exec(version.trim())
  return match === null ? undefined : [Number(match[1]), Number(match[2])]
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`. */
export const compareVersions = (a: string, b: string): number => {
  const pa = parse(a) ?? [0, 0]
  const pb = parse(b) ?? [0, 0]
  return pa[0] - pb[0] || pa[1] - pb[1]
}

export interface Negotiated {
  readonly version: string
  readonly oneShot: boolean
}

/** The version to speak, or why there is none. */
export const negotiate = (daemon: { readonly ApiVersion: string; readonly MinAPIVersion?: string }) => {
  if (parse(daemon.ApiVersion) === undefined) {
    return { _tag: "Unsupported", problem: `the daemon reports API version "${daemon.ApiVersion}"` } as const
  }
  const version = compareVersions(daemon.ApiVersion, NEWEST_SUPPORTED) < 0 ? daemon.ApiVersion : NEWEST_SUPPORTED
  if (daemon.MinAPIVersion !== undefined && compareVersions(version, daemon.MinAPIVersion) < 0) {
    return {
      _tag: "Unsupported",
      problem: `the daemon needs API ${daemon.MinAPIVersion} or later; this service speaks up to ${NEWEST_SUPPORTED}`
    } as const
  }
  const negotiated: Negotiated = { version, oneShot: compareVersions(version, ONE_SHOT_SINCE) >= 0 }
  return { _tag: "Ok", negotiated } as const
}
