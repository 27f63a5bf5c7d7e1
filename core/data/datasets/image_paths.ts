/**
 * Where a data set's image paths may lead. A data file may come from anyone, so its paths are read only
 * inside the image folders (image_folders; the data file's own folder when none are given), after "..",
 * absolute paths and symlinks are resolved: otherwise `data check` would read, `data export` would copy
 * into a parquet file and train would decode any file on disk. A URL of any scheme is refused, also
 * under allow_outside_paths=true: a data file must never make the lab send a request. DataSource calls
 * this for every command (data check, data export, train, eval) and for the browser lab's picked files.
 */
import type { DataFiles } from "./types.ts";

/** "http:", "file:", "data:", ... at the start of a path. */
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** Said once per data set opened with allow_outside_paths=true. */
export const OUTSIDE_NOTE = "allow_outside_paths=true: image paths may point anywhere on disk";

/** folder + "/" + path, or path itself when absolute. */
export function joinPath(folder: string, path: string): string {
  if (path.startsWith("/") || SCHEME.test(path)) return path;
  if (folder === "" || folder === ".") return path;
  return `${folder.replace(/\/+$/, "")}/${path}`;
}

/** "a/./b/../c" -> "a/c", lexically: a leading "/" stays, so do a relative path's leading "..". */
export function normalizePath(path: string): string {
  const absolute = path.startsWith("/");
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") parts.push(part);
    else if (parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else if (!absolute) parts.push(".."); // "/.." is "/"
  }
  const joined = parts.join("/");
  return absolute ? `/${joined}` : joined || ".";
}

/** Whether `path` is `folder` or lies under it (both normalized). */
export function isInside(path: string, folder: string): boolean {
  if (folder === ".") return !path.startsWith("/") && path !== ".." && !path.startsWith("../");
  if (folder === "/") return path.startsWith("/");
  return path === folder || path.startsWith(`${folder}/`);
}

/** A resolved image: `name` as messages show it, `read` what to read (symlinks followed, where known). */
export interface ResolvedImage {
  name: string;
  read: string;
}

/**
 * Resolves image paths against `folders` in order. Each candidate is first checked lexically (nothing
 * outside is even probed), then, where `files` knows real paths (Deno), by its real path, so that a
 * symlink in the folder cannot lead out of it.
 */
export class ImageResolver {
  readonly #files: DataFiles;
  readonly #folders: readonly string[];
  readonly #allowOutside: boolean;
  #realFolders?: Promise<string[]>;

  constructor(files: DataFiles, folders: readonly string[], allowOutside = false) {
    this.#files = files;
    this.#folders = folders;
    this.#allowOutside = allowOutside;
  }

  /** The first folder's file at `path`; throws, naming the path, for a URL, an outside path or none. */
  async resolve(path: string): Promise<ResolvedImage> {
    const named = this.#folders.join(", ");
    const scheme = SCHEME.exec(path);
    if (scheme) {
      throw new Error(
        `image ${JSON.stringify(path)} is a URL (${scheme[1].toLowerCase()}:); images are read only from ` +
          `files inside the image folders (${named}), never from a URL`,
      );
    }
    const outside = (at: string) =>
      new Error(
        `image ${JSON.stringify(path)} resolves to ${at}, outside the image folders (${named}); set ` +
          `allow_outside_paths=true to allow it`,
      );
    let outsideAt: string | undefined;
    for (const folder of this.#folders) {
      const name = joinPath(folder, path);
      const at = this.#locate(name);
      if (!this.#allowOutside && !this.#folders.some((f) => isInside(at, this.#locate(f)))) {
        outsideAt ??= at;
        continue;
      }
      if (!this.#files.realPath) {
        if (await this.#files.exists(name)) return { name, read: name };
        continue;
      }
      const real = await this.#files.realPath(name).catch(() => undefined);
      if (real === undefined) continue;
      if (!this.#allowOutside && !(await this.#real()).some((f) => isInside(real, f))) throw outside(real);
      return { name, read: real };
    }
    if (outsideAt !== undefined) throw outside(outsideAt);
    throw new Error(
      `image ${path} not found in ${path.startsWith("/") ? "that place" : `the image folders (${named})`}`,
    );
  }

  /** Where `path` is without touching the disk: absolute under Deno, normalized everywhere. */
  #locate(path: string): string {
    return normalizePath(this.#files.locate?.(path) ?? path);
  }

  /** The folders' real paths; a folder that does not exist holds nothing. */
  #real(): Promise<string[]> {
    this.#realFolders ??= Promise.all(
      this.#folders.map((f) => this.#files.realPath!(f).catch(() => undefined)),
    ).then((paths) => paths.filter((p) => p !== undefined));
    return this.#realFolders;
  }
}
