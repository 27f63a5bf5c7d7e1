/**
 * DataFiles over fetch(): file: URLs under Deno (and in its workers), http(s) URLs in a browser. Paths
 * resolve against a base folder URL; an absolute path ("/data/x.png") is a file path under Deno.
 */
import type { DataFiles } from "./types.ts";

/** The URL of `path` against `base` (a folder URL ending in "/"). */
export function resolveUrl(path: string, base: URL): URL {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return new URL(path);
  if (path.startsWith("/") && base.protocol === "file:") return new URL(`file://${encodePath(path)}`);
  return new URL(encodePath(path), base);
}

/** Percent-encodes what a URL would misread in a file name ("#", "?", "%"), keeping "/". */
function encodePath(path: string): string {
  return path.split("/").map((part) => encodeURIComponent(part)).join("/");
}

/** The folder URL of a file URL ("file:///a/b.jsonl" -> "file:///a/"). */
export function folderOf(url: URL): URL {
  return new URL(".", url);
}

/** A folder path or URL as a folder URL ending in "/". */
export function folderUrl(path: string, base: URL): URL {
  const url = resolveUrl(path, base);
  return url.href.endsWith("/") ? url : new URL(`${url.href}/`);
}

export async function fetchBytes(url: URL): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`cannot read ${displayUrl(url)}: ${(e as Error).message}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`cannot read ${displayUrl(url)}: HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** A file URL as its path, anything else as the URL. */
export function displayUrl(url: URL): string {
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
}

/** DataFiles that read paths against `base` through fetch; on disk under Deno, they know real paths. */
export function urlFiles(base: URL): DataFiles {
  const locate = (path: string) => displayUrl(resolveUrl(path, base));
  const onDisk = base.protocol === "file:" && "Deno" in globalThis;
  return {
    ...(onDisk ? { realPath: (path: string) => Deno.realPath(locate(path)) } : {}),
    locate,
    readBytes: (path) => fetchBytes(resolveUrl(path, base)),
    async exists(path) {
      try {
        const response = await fetch(resolveUrl(path, base));
        await response.body?.cancel();
        return response.ok;
      } catch {
        return false;
      }
    },
  };
}

/**
 * DataFiles over files held in memory by path, e.g. what a browser's folder picker or drop gives
 * (File.webkitRelativePath -> File). Paths are matched after dropping "./" and repeated slashes.
 */
export function blobFiles(files: ReadonlyMap<string, Blob>): DataFiles {
  const norm = (p: string) => p.replace(/^(\.\/)+/, "").replace(/\/{2,}/g, "/");
  const byPath = new Map([...files].map(([p, b]) => [norm(p), b]));
  return {
    async readBytes(path) {
      const blob = byPath.get(norm(path));
      if (!blob) throw new Error(`cannot read ${path}: no such file among the ${byPath.size} given`);
      return new Uint8Array(await blob.arrayBuffer());
    },
    exists: (path) => Promise.resolve(byPath.has(norm(path))),
  };
}
