// SYSTEM_PROFILER_NET_EXCLUDE patterns: an interface name, or a name with * wildcards (veth*,
// br-*). Matched by the greedy two-pointer algorithm, which is linear per star: a pattern from
// the environment must not be able to stall the sampler the way a backtracking regex could.

export const globMatch = (pattern: string, name: string): boolean => {
  let p = 0
  let n = 0
  let star = -1
  let resume = 0
  while (n < name.length) {
    if (p < pattern.length && pattern[p] !== "*" && pattern[p] === name[n]) {
      p++
      n++
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++
      resume = n
    } else if (star !== -1) {
      p = star + 1
      n = ++resume
    } else return false
  }
  while (p < pattern.length && pattern[p] === "*") p++
  return p === pattern.length
}

export const makeInterfaceFilter =
  (exclude: ReadonlyArray<string>) =>
  (name: string): boolean =>
    !exclude.some((pattern) => globMatch(pattern, name))
