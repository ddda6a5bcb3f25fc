import { defineConfig } from "vitest/config";

// The E2E: the built app under Xvfb, driven through tauri-driver, against a
// real 3-peer testnet. Run by scripts/test.sh (`npm run test:e2e`).
export default defineConfig({
  root: __dirname,
  test: {
    include: ["*.e2e.ts"],
    environment: "node",
    testTimeout: 600_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
