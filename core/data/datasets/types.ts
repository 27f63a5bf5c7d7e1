/**
 * Data sets people bring: records read from text or bytes, images read lazily by path or held as bytes.
 * Nothing here touches the file system: a reader gets the file's text or bytes and a DataFiles object
 * that reads an image by path, so the same readers serve Deno (file: URLs) and the browser lab.
 */

/** Where a record's image comes from: a path to resolve against the image folders, or bytes in the file. */
export type ImageRef =
  | { kind: "path"; path: string }
  | { kind: "bytes"; bytes: Uint8Array; name: string };

/** One example as a data set gives it, images not yet read. */
export interface DatasetRecord {
  /** The record's own id when it has one, else "<file>:<line>" or "<file>#<row>". */
  id: string;
  /** Where it is, for messages: "data.jsonl:12" (line) or "train.parquet row 3" (0-based row). */
  where: string;
  /** Its line number (JSONL) or row index (parquet), to order messages by. */
  at: number;
  /** The task name the rewards and reports group by: data_source, or the format's name. */
  task: string;
  /** The question without the image placeholder (the chat template puts the image first). */
  prompt: string;
  /** The ground truth, exactly as the data set writes it. */
  solution: string;
  /** The reference completion for SFT: the data set's answer turn, exactly as written. */
  reference: string;
  image: ImageRef;
  meta: Record<string, unknown>;
}

/** What is wrong with one line, row or image; `where` names it the way DatasetRecord.where does. */
export interface Problem {
  where: string;
  /** The line number or row index; -1 for the file as a whole. */
  at: number;
  message: string;
  /** Which check found it, for counting: "json", "field", "image", "vocabulary", "length", ... */
  kind: string;
}

/** A data set read: every good record, and a problem for every bad one (nothing good is dropped). */
export interface ParsedDataset {
  /** "conversation JSONL", "verl parquet", "Geometry3K parquet". */
  format: string;
  source: string;
  records: DatasetRecord[];
  problems: Problem[];
  /** Lines or rows seen (blank lines excluded), and blank lines skipped. */
  total: number;
  blank: number;
}

/** How a reader gets at files: by path relative to a base it knows (a folder URL, a dropped folder). */
export interface DataFiles {
  readBytes(path: string): Promise<Uint8Array>;
  /** Whether the path can be read, without reading it whole where the platform allows. */
  exists(path: string): Promise<boolean>;
  /** Where a path is, normalized, without touching the disk ("/abs/a.png"); absent = the path itself. */
  locate?(path: string): string;
  /**
   * The real path of an existing file or folder, every symlink followed; rejects when there is none.
   * Only where there are symlinks (files on disk under Deno); image_paths.ts then checks real paths.
   */
  realPath?(path: string): Promise<string>;
}

/** Why a whole data set cannot be used; names the file and, where there is one, the line or key. */
export class DatasetError extends Error {
  override name = "DatasetError";
}
