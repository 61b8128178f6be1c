import { defineConfig } from "vitest/config";

// Host tests only: AssemblyScript specs under assembly/ run through as-pect.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "host/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/global-setup.ts"],
  },
});
