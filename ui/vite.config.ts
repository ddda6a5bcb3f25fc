/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// The app's frontend. `root` is this folder; the built files go to ui/dist,
// which src-tauri/tauri.conf.json embeds.
export default defineConfig({
  root: __dirname,
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  test: { environment: "jsdom", include: ["src/**/*.test.ts"] },
});
