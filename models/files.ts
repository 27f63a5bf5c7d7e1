/**
 * A model folder as files read by range, so that a checkpoint is streamed tensor by tensor and never held
 * whole: a folder path under Deno (a file handle, seek and read), or the files of a folder picked in a
 * browser (Blob.slice). Both count the bytes of their largest single read, which the tests bound.
 */

/** One file of the folder, read by byte range. */
export interface ModelFile {
  /** The file's path (Deno) or its name in the picked folder, for error messages. */
  readonly path: string;
  readonly size: number;
  /** Exactly `length` bytes from `offset`; fewer is an error naming the file (truncated). */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): void;
}

export interface ModelFolder {
  /** The folder's path or the picked folder's name, for messages. */
  readonly label: string;
  /** The file names the folder holds (its top level), sorted. */
  readonly names: readonly string[];
  has(name: string): boolean;
  /** A file for ranged reads; a missing one is an error naming it. */
  open(name: string): Promise<ModelFile>;
  /** A small file (config.json, an index) as text. */
  text(name: string): Promise<string>;
  /** The largest single read so far, in bytes (the tests assert that no read holds a whole shard). */
  readonly largestRead: number;
}

/** A folder on disk (Deno). */
export async function diskFolder(path: string): Promise<ModelFolder> {
  const dir = path.replace(/\/+$/, "");
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isFile || e.isSymlink) names.push(e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`model folder ${dir} does not exist`);
    if (e instanceof Error && /Not a directory/i.test(e.message)) {
      throw new Error(`${dir} is a file; give the folder that holds config.json`);
    }
    throw new Error(`cannot read the model folder ${dir}: ${messageOf(e)}`);
  }
  names.sort();
  let largest = 0;
  const folder: ModelFolder = {
    label: dir,
    names,
    has: (name) => names.includes(name),
    get largestRead() {
      return largest;
    },
    async open(name) {
      const filePath = `${dir}/${name}`;
      if (!names.includes(name)) throw new Error(`${filePath} is missing`);
      const handle = await Deno.open(filePath, { read: true });
      const { size } = await handle.stat();
      return {
        path: filePath,
        size,
        async read(offset, length) {
          if (offset < 0 || offset + length > size) {
            throw new Error(
              `${filePath}: bytes [${offset}, ${offset + length}) are past its end (${size} bytes)`,
            );
          }
          largest = Math.max(largest, length);
          const out = new Uint8Array(length);
          await handle.seek(offset, Deno.SeekMode.Start);
          let got = 0;
          while (got < length) {
            const n = await handle.read(out.subarray(got));
            if (n === null) throw new Error(`${filePath}: ended at byte ${offset + got} (truncated)`);
            got += n;
          }
          return out;
        },
        close: () => handle.close(),
      };
    },
    async text(name) {
      if (!names.includes(name)) throw new Error(`${dir}/${name} is missing`);
      const bytes = await Deno.readFile(`${dir}/${name}`);
      largest = Math.max(largest, bytes.length);
      return new TextDecoder().decode(bytes);
    },
  };
  return folder;
}

/** The files of a folder picked in a browser (or any Blobs by name). */
export function blobFolder(files: ReadonlyMap<string, Blob>, label = "the picked folder"): ModelFolder {
  const names = [...files.keys()].sort();
  let largest = 0;
  const blobOf = (name: string) => {
    const blob = files.get(name);
    if (blob === undefined) throw new Error(`${label}/${name} is missing`);
    return blob;
  };
  return {
    label,
    names,
    has: (name) => files.has(name),
    get largestRead() {
      return largest;
    },
    open(name) {
      const blob = blobOf(name);
      const path = `${label}/${name}`;
      return Promise.resolve({
        path,
        size: blob.size,
        async read(offset: number, length: number) {
          if (offset < 0 || offset + length > blob.size) {
            throw new Error(
              `${path}: bytes [${offset}, ${offset + length}) are past its end (${blob.size} bytes)`,
            );
          }
          largest = Math.max(largest, length);
          return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
        },
        close: () => {},
      });
    },
    async text(name) {
      const blob = blobOf(name);
      largest = Math.max(largest, blob.size);
      return await blob.text();
    },
  };
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
