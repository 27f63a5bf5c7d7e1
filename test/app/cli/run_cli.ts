/** Runs one of the app/cli commands in a subprocess from `cwd`, as a user would; its exit code and output. */
const ROOT = new URL("../../../", import.meta.url).pathname;

export async function cli(script: string, args: string[], cwd: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}app/cli/${script}`, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { XDG_RUNTIME_DIR: "/tmp" },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}
