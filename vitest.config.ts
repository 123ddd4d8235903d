import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration suites start real servers and containers; give them room, never timing asserts.
    testTimeout: 60_000,
    hookTimeout: 180_000
  }
})
