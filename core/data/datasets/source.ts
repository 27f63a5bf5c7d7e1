/**
 * DataSource: a data set read into records (text at once, images lazily) that the trainer and eval read
 * samples from. Images resolve against the image folders in order; the data set's own folder when none
 * is given; a path that leads outside them, or a URL, is refused (image_paths.ts). Every failure names
 * the record (file and line or row) and the image.
 */
import type { RgbImage, Sample } from "../sample.ts";
import { readConversationJsonl } from "./conversation.ts";
import { ImageResolver, OUTSIDE_NOTE, type ResolvedImage } from "./image_paths.ts";
import { decodeImage } from "./images.ts";
import { decodeJsonl } from "./lines.ts";
import { readParquetDataset } from "./parquet.ts";
import { type DataFiles, DatasetError, type DatasetRecord, type ParsedDataset } from "./types.ts";

/** "a/b/c.jsonl" -> "a/b"; "c.jsonl" -> "." */
export function dirname(path: string): string {
  const i = path.replace(/\/+$/, "").lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/** The format a path's extension says: "parquet" or "jsonl"; anything else is an error naming it. */
export function formatOf(path: string): "parquet" | "jsonl" {
  if (/\.parquet$/i.test(path)) return "parquet";
  if (/\.jsonl?$/i.test(path)) return "jsonl";
  throw new DatasetError(
    `${path}: unknown data set format; give a .jsonl file (conversation layout) or a .parquet file ` +
      `(verl or Geometry3K layout)`,
  );
}

/** Parses a data set file's bytes by its name's extension. */
export async function parseDataset(bytes: Uint8Array, name: string): Promise<ParsedDataset> {
  if (formatOf(name) === "parquet") return await readParquetDataset(bytes, name);
  if (bytes.length === 0) {
    return {
      format: "conversation JSONL",
      source: name,
      records: [],
      problems: [{ where: name, at: -1, message: "the file is empty (0 bytes)", kind: "empty" }],
      total: 0,
      blank: 0,
    };
  }
  const { text, invalid } = decodeJsonl(bytes);
  return readConversationJsonl(text, name, invalid);
}

export interface OpenOptions {
  /** Folders image paths resolve against, in order; [] = the data set file's folder. */
  imageFolders?: readonly string[];
  /** allow_outside_paths: image paths may leave the folders (never be URLs); said once in `notes`. */
  allowOutsidePaths?: boolean;
}

export class DataSource {
  readonly #files: DataFiles;
  readonly #folders: readonly string[];
  readonly #resolver: ImageResolver;
  readonly #resolved = new Map<string, ResolvedImage>();
  /** What to tell the user once about how images are read: allow_outside_paths' note. */
  readonly notes: readonly string[];

  constructor(
    readonly parsed: ParsedDataset,
    files: DataFiles,
    folders: readonly string[],
    allowOutsidePaths = false,
  ) {
    this.#files = files;
    this.#folders = folders;
    this.#resolver = new ImageResolver(files, folders, allowOutsidePaths);
    this.notes = allowOutsidePaths ? [OUTSIDE_NOTE] : [];
  }

  /** Reads and parses `path` through `files`; image folders default to the file's folder. */
  static async open(path: string, files: DataFiles, options: OpenOptions = {}): Promise<DataSource> {
    formatOf(path);
    let bytes: Uint8Array;
    try {
      bytes = await files.readBytes(path);
    } catch (e) {
      throw new DatasetError(`data set ${path} cannot be read: ${(e as Error).message}`);
    }
    const folders = options.imageFolders?.length ? options.imageFolders : [dirname(path)];
    return new DataSource(await parseDataset(bytes, path), files, folders, options.allowOutsidePaths);
  }

  get records(): readonly DatasetRecord[] {
    return this.parsed.records;
  }

  get imageFolders(): readonly string[] {
    return this.#folders;
  }

  /** Where a record's image file is: the first image folder that holds it. */
  async imagePath(record: DatasetRecord): Promise<string> {
    return (await this.#resolve(record)).name;
  }

  /** The record's image resolved once: inside the image folders, or an error naming the record. */
  async #resolve(record: DatasetRecord): Promise<ResolvedImage> {
    if (record.image.kind !== "path") throw new Error(`${record.where}: the image is stored in the file`);
    const path = record.image.path;
    const known = this.#resolved.get(path);
    if (known !== undefined) return known;
    try {
      const resolved = await this.#resolver.resolve(path);
      this.#resolved.set(path, resolved);
      return resolved;
    } catch (e) {
      throw new Error(`${record.where}: ${(e as Error).message}`);
    }
  }

  /** The record's image bytes: read from its folder, or held in the file. */
  async imageBytes(record: DatasetRecord): Promise<{ bytes: Uint8Array; name: string }> {
    if (record.image.kind === "bytes") return { bytes: record.image.bytes, name: record.image.name };
    const { name, read } = await this.#resolve(record);
    try {
      // What is read is the real path that was checked, not the name again through its symlinks.
      return { bytes: await this.#files.readBytes(read), name };
    } catch (e) {
      throw new Error(`${record.where}: ${(e as Error).message}`);
    }
  }

  /** The record's image, decoded; a missing or undecodable image is an error naming the record. */
  async image(record: DatasetRecord): Promise<RgbImage> {
    const { bytes, name } = await this.imageBytes(record);
    try {
      return await decodeImage(bytes, name);
    } catch (e) {
      throw new Error(`${record.where}: ${(e as Error).message}`);
    }
  }

  /** Record i as a Sample, its image read now. */
  async sample(i: number): Promise<Sample> {
    const record = this.records[i];
    if (!record) throw new Error(`sample ${i} is outside the data set's ${this.records.length} records`);
    return sampleOf(record, await this.image(record));
  }
}

/** A record and its decoded image as the Sample the text pipeline and rewards read. */
export function sampleOf(record: DatasetRecord, image: RgbImage): Sample {
  return {
    id: record.id,
    task: record.task,
    image,
    prompt: record.prompt,
    solution: record.solution,
    reference: record.reference,
    meta: { ...record.meta, source: record.where },
  };
}
