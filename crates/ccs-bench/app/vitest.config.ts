import { defineConfig } from "vitest/config";

// Scenario 5 of ccs-bench (the app itself). Not a test: ccs-bench runs it with
// the testnet and pinset of scenario 4 and reads the JSON it writes.
export default defineConfig({
  root: __dirname,
  test: {
    include: ["*.measure.ts"],
    environment: "node",
    testTimeout: 1_800_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
