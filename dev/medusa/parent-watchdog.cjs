// Preloaded (`node --require`) into `medusa start` by dev/medusa.ts.
// Medusa runs in its own process group so stop() can signal the whole group; that also puts
// it out of reach of the terminal's Ctrl-C. dev/medusa.ts keeps a pipe on our stdin: when
// that process dies without calling stop(), the pipe closes and Medusa shuts down with it.
"use strict"

if (!process.stdin.isTTY) {
  const shutDown = () => {
    // Our stdout/stderr pipes lost their reader too: writes would fail with EPIPE.
    for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {})
    process.kill(process.pid, "SIGTERM")
    setTimeout(() => process.exit(0), 5_000).unref()
  }
  process.stdin.on("data", () => {})
  process.stdin.once("end", shutDown)
  process.stdin.once("error", shutDown)
}
