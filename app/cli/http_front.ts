/**
 * A TCP front for a Deno.serve server, for what Deno.serve cannot do (measured with Deno 2.9):
 * - it has no header timeout: a client that sends half its headers is held for as long as it likes;
 * - it keeps a connection whose request body the handler did not read (answered 413 or 408) open for
 *   as long as the client holds it, `connection: close` or not.
 * The front accepts each connection, waits at most `headerTimeoutS` for its request headers (408 and
 * closed otherwise), then relays bytes both ways to the inner server and closes the connection once
 * the response has been relayed: one request per connection, so every request's headers are timed.
 */

const MAX_HEAD_BYTES = 64 * 1024;
const CHUNK_BYTES = 64 * 1024;

export interface Front {
  addr: Deno.NetAddr;
  /** Stops accepting, drops connections still sending headers; relays in flight finish. */
  close(): void;
}

/** Index just past the first "\r\n\r\n" in `b`, or -1. */
function headEnd(b: Uint8Array): number {
  for (let i = 3; i < b.length; i++) {
    if (b[i] === 10 && b[i - 1] === 13 && b[i - 2] === 10 && b[i - 3] === 13) return i + 1;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed by the other direction
  }
}

/** A JSON error written straight to the socket, for a request that never reached the server. */
function rawError(status: string, error: string): Uint8Array {
  const body = JSON.stringify({ error });
  return new TextEncoder().encode(
    `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\nconnection: close\r\n` +
      `content-length: ${new TextEncoder().encode(body).length}\r\n\r\n${body}`,
  );
}

/**
 * Counts a response's bytes as they are relayed; done() once its head and Content-Length body have
 * passed. Interim 1xx heads (100 Continue) have no body and are skipped. Without a Content-Length the
 * response ends when the inner server closes.
 */
class ResponseEnd {
  #head: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  #bodyLeft = -1;
  #done = false;

  feed(chunk: Uint8Array): void {
    if (this.#bodyLeft >= 0) {
      this.#bodyLeft -= chunk.length;
      this.#done ||= this.#bodyLeft <= 0;
      return;
    }
    this.#head = concat(this.#head, chunk);
    const end = headEnd(this.#head);
    if (end < 0) return;
    const head = new TextDecoder().decode(this.#head.subarray(0, end));
    const rest = this.#head.subarray(end);
    this.#head = new Uint8Array(0);
    if (/^HTTP\/1\.[01] 1\d\d/.test(head)) return this.feed(rest);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length === null) return; // relayed until the inner server closes
    this.#bodyLeft = Number(length[1]);
    this.feed(rest);
  }

  done(): boolean {
    return this.#done || this.#bodyLeft === 0;
  }
}

/** The request headers, with whatever body bytes came with them; null after a 408 or 431 (closed). */
async function readHead(
  conn: Deno.Conn,
  headerTimeoutS: number,
  say: (line: string) => void,
): Promise<Uint8Array | null> {
  let data: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    const error =
      `the request headers did not arrive within ${headerTimeoutS} s (${data.length} bytes came); ` +
      "the connection is closed (--header-timeout-s)";
    say(`serve-rewards: 408: ${error}`);
    // A few hundred bytes fit the socket's buffer: this write does not wait on the client.
    conn.write(rawError("408 Request Timeout", error)).catch(() => {}).finally(() => closeQuietly(conn));
  }, headerTimeoutS * 1000);
  try {
    while (headEnd(data) < 0) {
      if (data.length > MAX_HEAD_BYTES) {
        const error = `the request headers are over ${MAX_HEAD_BYTES} bytes`;
        say(`serve-rewards: 431: ${error}`);
        await writeAll(conn, rawError("431 Request Header Fields Too Large", error));
        closeQuietly(conn);
        return null;
      }
      const chunk = new Uint8Array(CHUNK_BYTES);
      const n = await conn.read(chunk);
      if (n === null) {
        closeQuietly(conn);
        return null;
      }
      data = concat(data, chunk.subarray(0, n));
    }
    return data;
  } catch {
    if (!late) closeQuietly(conn);
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** Relays one request from `client` to the inner server and its response back, then closes both. */
async function relay(client: Deno.Conn, head: Uint8Array, innerPort: number): Promise<void> {
  const inner = await Deno.connect({ hostname: "127.0.0.1", port: innerPort });
  const up = (async () => {
    await writeAll(inner, head);
    const chunk = new Uint8Array(CHUNK_BYTES);
    for (;;) {
      const n = await client.read(chunk);
      // The client's end of its body (a half-close) reaches the server, which says it was cut off.
      if (n === null) return await inner.closeWrite();
      await writeAll(inner, chunk.subarray(0, n));
    }
  })();
  const down = (async () => {
    const response = new ResponseEnd();
    const chunk = new Uint8Array(CHUNK_BYTES);
    while (!response.done()) {
      const n = await inner.read(chunk);
      if (n === null) return;
      await writeAll(client, chunk.subarray(0, n));
      response.feed(chunk.subarray(0, n));
    }
  })();
  // The response ends the exchange: a client still sending (a body the server refused) is dropped.
  // A client that breaks off ends it too (the server then says its body was cut off).
  const broken = up.then(() => new Promise<void>(() => {}), () => {});
  await Promise.race([down.catch(() => {}), broken]);
  closeQuietly(client);
  closeQuietly(inner);
  await Promise.allSettled([up, down]);
}

/** Listens on `host`:`port` (throws as Deno.listen does) and relays to 127.0.0.1:`innerPort`. */
export function listenFront(
  options: { host: string; port: number; headerTimeoutS: number },
  innerPort: number,
  say: (line: string) => void,
): Front {
  const listener = Deno.listen({ hostname: options.host, port: options.port });
  const waiting = new Set<Deno.Conn>();
  (async () => {
    for await (const client of listener) {
      waiting.add(client);
      readHead(client, options.headerTimeoutS, say).then((head) => {
        waiting.delete(client);
        return head === null ? undefined : relay(client, head, innerPort);
      }).catch((e) => {
        say(`serve-rewards: connection dropped: ${(e as Error).message}`);
        closeQuietly(client);
      });
    }
  })().catch(() => {}); // the listener was closed
  return {
    addr: listener.addr as Deno.NetAddr,
    close() {
      listener.close();
      for (const conn of waiting) closeQuietly(conn);
    },
  };
}
