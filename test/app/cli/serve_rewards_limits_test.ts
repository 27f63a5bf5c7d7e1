/**
 * serve-rewards' limits, as a hostile page or a slow client meets them: the Host rule, the content type,
 * the body limit and read timeouts, over raw TCP against a real server; and its flags' checks.
 */
import { assert, assertEquals } from "../../assert.ts";
import { openWarning } from "../../../app/cli/serve_rewards.ts";
import { allowedHosts, isLoopback } from "../../../app/cli/http_limits.ts";
import { startServer } from "./serve_rewards_server.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

Deno.test("allowedHosts() gives the loopback names with the port, and null (any) beyond loopback", () => {
  assertEquals(allowedHosts("127.0.0.1", 8765), ["127.0.0.1:8765", "localhost:8765", "[::1]:8765"]);
  assertEquals(allowedHosts("::1", 80), [
    "127.0.0.1:80",
    "localhost:80",
    "[::1]:80",
    "127.0.0.1",
    "localhost",
    "[::1]",
  ]);
  assertEquals(allowedHosts("127.0.0.2", 1), ["127.0.0.1:1", "localhost:1", "[::1]:1", "127.0.0.2:1"]);
  assertEquals(allowedHosts("0.0.0.0", 8765), null);
  assertEquals(allowedHosts("10.0.0.5", 8765), null);
  assertEquals(["LOCALHOST", "127.9.9.9", "0.0.0.0", "::", "127.0.0.1.nip.io"].map(isLoopback), [
    true,
    true,
    false,
    false,
    false,
  ]);
});

/**
 * Sends `request` on a raw TCP connection (Host and all, as a browser or a slow client would) and reads
 * the answer to the server's close; throws when the server has not closed within `limitMs`.
 * `halfClose` ends the sending side after the request, as a client that breaks off does.
 */
async function rawHttp(
  url: string,
  request: string | Uint8Array,
  { halfClose = false, limitMs = 5000 } = {},
) {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const started = Date.now();
  const timer = setTimeout(() => conn.close(), limitMs);
  let text = "";
  try {
    await conn.write(typeof request === "string" ? new TextEncoder().encode(request) : request);
    if (halfClose) await conn.closeWrite();
    const chunk = new Uint8Array(65536);
    for (let n; (n = await conn.read(chunk)) !== null;) {
      text += new TextDecoder().decode(chunk.subarray(0, n));
    }
  } catch (e) {
    throw new Error(`the server did not close the connection within ${limitMs} ms (${e}); it sent ${text}`);
  } finally {
    clearTimeout(timer);
  }
  conn.close();
  const answer = text.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, "");
  const status = Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1]);
  return { status, body: JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)), ms: Date.now() - started };
}

/** A POST to /score with these headers (Host, Content-Type, ...) and body; Content-Length unless given. */
function post(headers: Record<string, string | number>, body = "") {
  const framed = "content-length" in headers || "transfer-encoding" in headers;
  const all = framed ? headers : { ...headers, "content-length": new TextEncoder().encode(body).length };
  const lines = Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  return `POST /score HTTP/1.1\r\n${lines}\r\n${body}`;
}

const ROW = '{"solution_str": "<think>a</think><answer>1</answer>", "ground_truth": "1"}';
const SCORED = { score: 3, format: 1, accuracy: 1, iou: null };

/** rawHttp()'s status and body only. */
async function answer(url: string, request: string | Uint8Array, options: { halfClose?: boolean } = {}) {
  const { status, body } = await rawHttp(url, request, options);
  return { status, body };
}

Deno.test("serve-rewards refuses, before any reward runs, what a hostile page or a slow client sends", async (t) => {
  const server = await startServer([
    "--rewards",
    "format,accuracy,iou",
    "--weights",
    "1,2,0.5",
    "--max-body-mb",
    "0.001", // 1048 bytes
    "--body-timeout-s",
    "1",
    "--header-timeout-s",
    "1",
  ]);
  const port = new URL(server.url).port;
  const host = `127.0.0.1:${port}`;
  const json = { host, "content-type": "application/json", connection: "close" };
  try {
    await t.step("a Host other than the loopback names is 421 naming it (DNS rebinding)", async () => {
      const refused = (name: string) => ({
        status: 421,
        body: {
          error: `Host "${name}" is not this server's address; serve-rewards answers only to ${host}, ` +
            `localhost:${port}, [::1]:${port} (a web page that renamed this machine by DNS rebinding sends ` +
            "its own name); call it by one of those, or start it with --host ADDRESS to let other machines " +
            "call it",
        },
      });
      const rebound = `rebind.example:${port}`;
      assertEquals(await answer(server.url, post({ ...json, host: rebound }, ROW)), refused(rebound));
      assertEquals(
        await answer(server.url, `GET / HTTP/1.1\r\nhost: ${rebound}\r\nconnection: close\r\n\r\n`),
        refused(rebound),
      );
      assertEquals(await answer(server.url, post({ ...json, host: `localhost:${port}` }, ROW)), {
        status: 200,
        body: SCORED,
      });
      assertEquals(await answer(server.url, post({ ...json, host: `[::1]:${port}` }, ROW)), {
        status: 200,
        body: SCORED,
      });
    });

    await t.step("a POST that is not application/json is 415 (a cross-origin text/plain form)", async () => {
      assertEquals(await answer(server.url, post({ ...json, "content-type": "text/plain" }, ROW)), {
        status: 415,
        body: { error: 'the request must have Content-Type: application/json, got "text/plain"' },
      });
      const { "content-type": _, ...untyped } = json;
      assertEquals(await answer(server.url, post(untyped, ROW)), {
        status: 415,
        body: { error: "the request must have Content-Type: application/json, got none" },
      });
      const utf8 = { ...json, "content-type": "Application/JSON; charset=utf-8" };
      assertEquals(await answer(server.url, post(utf8, ROW)), { status: 200, body: SCORED });
    });

    await t.step("a body past --max-body-mb is 413, by its Content-Length or by counting it", async () => {
      const over = (what: string) => ({
        status: 413,
        body: {
          error: `the request body is ${what}, over the 0.001 MiB limit (1048 bytes); send fewer rows per ` +
            "request or raise --max-body-mb",
          field: "body",
        },
      });
      // Only the headers are sent: the answer comes without waiting for the 2000 bytes announced.
      assertEquals(
        await answer(server.url, post({ ...json, "content-length": 2000 })),
        over("2000 bytes (Content-Length)"),
      );
      const chunk = `258\r\n${" ".repeat(600)}\r\n`; // 0x258 = 600 bytes, twice: 1200 > 1048
      assertEquals(
        await answer(server.url, post({ ...json, "transfer-encoding": "chunked" }, chunk + chunk)),
        over("over 1048 bytes (no Content-Length)"),
      );
      const fits = ROW + " ".repeat(1048 - ROW.length);
      assertEquals(await answer(server.url, post({ ...json, "content-length": 1048 }, fits)), {
        status: 200,
        body: SCORED,
      });
    });

    await t.step("a body cut off or not JSON is 400 naming the body, not a 500 with a stack", async () => {
      assertEquals(
        await answer(server.url, post({ ...json, "content-length": 100 }, '{"solution_str": "x"'), {
          halfClose: true,
        }),
        {
          status: 400,
          body: {
            error: "the request body was cut off before the 100 bytes its Content-Length gives (the client " +
              "closed it); it is not complete JSON",
            field: "body",
          },
        },
      );
      const bad = await answer(server.url, post({ ...json, "content-length": 20 }, '{"solution_str": "x"'));
      assertEquals([bad.status, bad.body.field], [400, "body"]);
      assert(bad.body.error.startsWith("the request body is not valid JSON: "), bad.body.error);
      const head = new TextEncoder().encode(post({ ...json, "content-length": 3 }));
      const latin1 = new Uint8Array([...head, 0x22, 0xff, 0x22]); // '"ÿ"' in Latin-1
      assertEquals(await answer(server.url, latin1), {
        status: 400,
        body: { error: "the request body is not valid UTF-8; JSON must be sent as UTF-8", field: "body" },
      });
    });

    await t.step(
      "a client that stalls its body is answered 408 and dropped after --body-timeout-s",
      async () => {
        const stalled = await rawHttp(server.url, post({ ...json, "content-length": 100 }, '{"a"'));
        assertEquals(stalled.status, 408);
        assertEquals(stalled.body, {
          error:
            "the request body did not arrive within 1 s (4 bytes came of 100); the connection is closed " +
            "(--body-timeout-s)",
          field: "body",
        });
        assert(stalled.ms >= 900 && stalled.ms < 4000, `closed after ${stalled.ms} ms`);
      },
    );

    await t.step(
      "a client that stalls its headers is answered 408 and dropped after --header-timeout-s",
      async () => {
        const stalled = await rawHttp(server.url, `POST /score HTTP/1.1\r\nhost: ${host}\r\n`);
        assertEquals(stalled.status, 408);
        assertEquals(stalled.body, {
          error: `the request headers did not arrive within 1 s (${
            30 + host.length
          } bytes came); the connection is closed (--header-timeout-s)`,
        });
        assert(stalled.ms >= 900 && stalled.ms < 4000, `closed after ${stalled.ms} ms`);
      },
    );
  } finally {
    server.child.kill("SIGTERM");
  }
  const status = await server.child.status;
  const [stdout, stderr] = [await server.stdout, await server.stderr];
  assertEquals(status.code, 0, stderr);
  assert(!stdout.includes("any machine"), stdout);
  assert(!/^\s+at /m.test(stderr), stderr); // no stack trace
  assert(stderr.includes('serve-rewards: 421 POST /score: Host "rebind.example:'), stderr);
  assert(stderr.includes("serve-rewards: 408: the request headers did not arrive within 1 s"), stderr);
  assert(stderr.includes("serve-rewards: stopped"), stderr);
});

Deno.test("serve-rewards warns once when --host is not loopback, and then answers any Host", async () => {
  const server = await startServer(["--host", "0.0.0.0"]);
  const port = new URL(server.url).port;
  let scored;
  try {
    scored = await answer(
      `http://127.0.0.1:${port}`,
      post({ host: `gpu-box.lan:${port}`, "content-type": "application/json", connection: "close" }, ROW),
    );
  } finally {
    server.child.kill("SIGTERM");
  }
  await server.child.status;
  const stderr = await server.stderr;
  assertEquals(scored, { status: 200, body: { score: 2, format: 1, accuracy: 1 } });
  const warning = openWarning(`0.0.0.0:${port}`);
  assertEquals(
    warning,
    `serve-rewards: listening on 0.0.0.0:${port}: any machine that reaches this port can run the reward ` +
      "functions; the Host header is not checked. Leave out --host (127.0.0.1, this machine only) unless " +
      "verl runs on another machine, and keep the port behind a firewall",
  );
  assertEquals(stderr.split("\n").filter((line) => line === warning).length, 1, stderr);
});

Deno.test("serve-rewards refuses a limit flag that is not a number > 0, exit 2", async () => {
  for (
    const [args, message] of [
      [["--max-body-mb", "0"], 'error: --max-body-mb must be a number > 0 (MiB), got "0"'],
      [["--body-timeout-s", "soon"], 'error: --body-timeout-s must be a number > 0 (seconds), got "soon"'],
      [["--header-timeout-s", ""], 'error: --header-timeout-s must be a number > 0 (seconds), got ""'],
    ]
  ) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}app/cli/serve_rewards.ts`, ...args],
      stdout: "null",
      stderr: "piped",
    }).output();
    assertEquals([out.code, new TextDecoder().decode(out.stderr).trim()], [2, message]);
  }
});
