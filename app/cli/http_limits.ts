/**
 * What serve-rewards accepts before a request reaches a reward: the Host it is called by (DNS
 * rebinding), the Content-Type (a cross-origin form or text/plain POST needs no CORS preflight, so a
 * web page could otherwise run the rewards), and a body read with a size limit and a deadline.
 *
 * Deno.serve has no body timeout, so readBody() sets one; it has no header timeout either, and keeps a
 * connection whose body was not read: app/cli/http_front.ts times the headers and drops the connection.
 */

/** A request refused before the rewards run: its status and the JSON error's message. */
export class RequestError extends Error {
  constructor(readonly status: number, message: string, readonly field?: string) {
    super(message);
  }
}

const MIB = 1024 * 1024;
const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

/** True for an address that only this machine reaches: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h === "::1" || h === "[::1]" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The Host header values a server listening on `host`:`port` answers to, or null (any) when it
 * listens beyond loopback: every machine that reaches it may call it by a name it cannot know.
 * A DNS rebinding page reaches a loopback server under its own name, which is then refused.
 */
export function allowedHosts(host: string, port: number): string[] | null {
  if (!isLoopback(host)) return null;
  const own = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const names = [...new Set([...LOOPBACK_NAMES, own.toLowerCase()])];
  // A client leaves the port out of Host when it is HTTP's default.
  return [...names.map((n) => `${n}:${port}`), ...(port === 80 ? names : [])];
}

/** Throws 421 unless the Host header is one of `hosts` (null: any). */
export function checkHost(header: string | null, hosts: readonly string[] | null): void {
  if (hosts === null || (header !== null && hosts.includes(header.toLowerCase()))) return;
  throw new RequestError(
    421,
    `${header === null ? "no Host header" : `Host "${header}" is not this server's address`}; ` +
      `serve-rewards answers only to ${hosts.join(", ")} (a web page that renamed this machine ` +
      "by DNS rebinding sends its own name); call it by one of those, or start it with --host ADDRESS " +
      "to let other machines call it",
  );
}

/** Throws 415 unless the Content-Type is application/json (parameters such as charset allowed). */
export function checkJsonType(header: string | null): void {
  if (header?.split(";")[0].trim().toLowerCase() === "application/json") return;
  throw new RequestError(
    415,
    `the request must have Content-Type: application/json, got ${header === null ? "none" : `"${header}"`}`,
  );
}

export interface BodyLimits {
  /** --max-body-mb, in MiB (2^20 bytes). */
  maxBodyMb: number;
  /** --body-timeout-s: the whole body must arrive within this many seconds of its headers. */
  bodyTimeoutS: number;
}

function tooLarge(what: string, limits: BodyLimits): RequestError {
  return new RequestError(
    413,
    `the request body is ${what}, over the ${limits.maxBodyMb} MiB limit ` +
      `(${Math.floor(limits.maxBodyMb * MIB)} bytes); send fewer rows per request or raise --max-body-mb`,
    "body",
  );
}

/**
 * The body as UTF-8 text, read chunk by chunk: a Content-Length over the limit is refused before any
 * byte is read, and a body without one is counted as it comes, so nothing past the limit is held.
 * Throws RequestError: 413 too large, 408 not complete in time, 400 cut off or not UTF-8.
 */
export async function readBody(req: Request, limits: BodyLimits): Promise<string> {
  const maxBytes = Math.floor(limits.maxBodyMb * MIB);
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    throw tooLarge(`${declared} bytes (Content-Length)`, limits);
  }
  if (req.body === null) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new RequestError(
          408,
          `the request body did not arrive within ${limits.bodyTimeoutS} s (${size} bytes came` +
            `${declared === null ? "" : ` of ${declared}`}); the connection is closed (--body-timeout-s)`,
          "body",
        ),
      );
    }, limits.bodyTimeoutS * 1000);
  });
  try {
    for (;;) {
      const { value, done } = await Promise.race([reader.read(), late]);
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw tooLarge(`over ${maxBytes} bytes (no Content-Length)`, limits);
      chunks.push(value);
    }
  } catch (e) {
    reader.cancel().catch(() => {}); // the connection is going away; its error is the one said below
    if (e instanceof RequestError) throw e;
    // Deno's own message ("underlying resource unavailable") says nothing more to the client.
    throw new RequestError(
      400,
      `the request body was cut off${
        declared === null ? "" : ` before the ${declared} bytes its Content-Length gives`
      }` +
        " (the client closed it); it is not complete JSON",
      "body",
    );
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new RequestError(400, "the request body is not valid UTF-8; JSON must be sent as UTF-8", "body");
  }
}
