/** serve-rewards started as a user starts it, in a subprocess on a free port, for the CLI tests. */
const ROOT = new URL("../../../", import.meta.url).pathname;

export /** Starts serve-rewards on a free port; resolves once it prints its address. */
async function startServer(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}app/cli/serve_rewards.ts`, "--port", "0", ...args],
    cwd: await Deno.makeTempDir(),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  let url: string | undefined;
  while (url === undefined) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve-rewards exited before listening:\n${stdout}\n${await stderr}`);
    stdout += value;
    url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
  }
  // Read on to the end, so that the pipe never fills and is closed when the server stops.
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return stdout;
      stdout += value;
    }
  })();
  return { url, child, stdout: rest, stderr };
}
