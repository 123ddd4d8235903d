// SYSTEM_PROFILER_SERVICES written with ";" between entries: refused with a message that names
// the variable and the fix, and shows the entry without any password in it.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { ConfigInvalid } from "../../src/config/ConfigInvalid.ts"
import { redactEntry } from "../../src/config/semicolons.ts"
import { parseProbeTargets, SERVICES_VARIABLE } from "../../src/config/services.ts"

const failure = (raw: string) => Effect.runSync(Effect.flip(parseProbeTargets(raw)))

describe("SYSTEM_PROFILER_SERVICES with ';' between entries", () => {
  it("is refused, where it used to be one probe whose URL swallowed the next entry", () => {
    const error = failure("web=http://web:3000/;db=postgres://db:5432")
    assert.instanceOf(error, ConfigInvalid)
    assert.strictEqual(error.variable, SERVICES_VARIABLE)
    assert.include(error.message, 'entry "web=http://web:3000/;db=postgres://db:5432" joins entries with ";"')
    assert.include(error.message, 'separate them with ","')
    assert.include(error.message, "comma-separated")
  })

  it("is refused in any position and with spaces, beside good entries", () => {
    for (const raw of [
      "db=postgres://db:5432;web=http://web:3000/",
      "web=http://web:3000/ ; db=postgres://db:5432",
      "api=http://api:8080/,web=http://web:3000/;cache=tcp://cache:6379"
    ]) {
      const error = failure(raw)
      assert.strictEqual(error.variable, SERVICES_VARIABLE, raw)
      assert.include(error.problem, 'joins entries with ";"', raw)
    }
  })

  it("shows every URL without its credentials", () => {
    const error = failure("db=postgres://admin:s3cr;et@db:5432;web=http://u:hunter2@web:3000/health")
    assert.include(error.message, 'entry "db=postgres://***@db:5432;web=http://***@web:3000/health"')
    for (const secret of ["admin", "s3cr", "et@", "hunter2", "u:"]) assert.notInclude(error.message, secret)
  })

  it("leaves ';' alone where it is not followed by another name=scheme://", () => {
    // In a password, a path and a body option a ";" is just a character.
    const targets = Effect.runSync(
      parseProbeTargets("db=postgres://u:x;k=Q:z@db:5432,web=http://web:3000/a;b=c#body=ok;fine")
    )
    assert.deepStrictEqual(
      targets.map((t) => [t.name, t.target]),
      [
        ["db", "postgres://db:5432"],
        ["web", "http://web:3000/a;b=c"]
      ]
    )
    assert.strictEqual(targets[1]!.http.expectBody, "ok;fine")
  })

  it("never shows a password, whatever it holds", () => {
    // Passwords from characters a URL allows in user info and a few it does not ("/", "@", "?"),
    // marked so that they cannot be confused with the rest of the message.
    const password = fc
      .string({
        unit: fc.constantFrom(..."abcXYZ019-._~!$&'()*+,;=:%/@?"),
        minLength: 1,
        maxLength: 24
      })
      .map((s) => `PW${s}`)
    fc.assert(
      fc.property(password, fc.constantFrom("postgres", "http", "tcp"), (secret, scheme) => {
        const entry = `db=${scheme}://user:${secret}@db:5432;web=http://web:3000/`
        const shown = redactEntry(entry)
        assert.notInclude(shown, secret, shown)
        assert.notInclude(shown, "user", shown)
        const error = Effect.runSync(Effect.flip(parseProbeTargets(entry)))
        assert.notInclude(error.message, secret, error.message)
      })
    )
  })
})
