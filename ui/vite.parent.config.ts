import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The parents' pages: a second entry, built into ui/dist-parent, which the service embeds
// (crates/service/build.rs) and serves at `/`. Phones first; no source maps, no inline
// script (the service's Content-Security-Policy allows none).
export default defineConfig({
  plugins: [svelte()],
  // Paths are relative to ui/, where npm runs the build.
  root: "parent",
  base: "/",
  clearScreen: false,
  build: {
    outDir: "../dist-parent",
    emptyOutDir: true,
    target: ["chrome100", "safari15", "firefox100"],
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
