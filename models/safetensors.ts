/**
 * The safetensors format on bytes (no file I/O): an 8-byte little-endian u64 header length N, N bytes of
 * JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}},
 * then the raw little-endian data; offsets are relative to the end of the header.
 * Writes F32; reads F32, F16 and BF16 into Float32Array.
 */

/** One tensor: shape and float32 values. */
export interface SafeTensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

/** Whether this host stores numbers little-endian, as safetensors does (every host tfjs runs on). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Encodes tensors (in map order) as F32 with optional string metadata. */
export function writeSafetensors(
  tensors: Map<string, SafeTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) {
      throw new Error(`writeSafetensors: ${name} has ${t.data.length} values for shape [${t.shape}]`);
    }
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header with spaces so that the data starts 8-byte aligned, as the reference writer does.
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const t of tensors.values()) {
    for (let i = 0; i < t.data.length; i++, pos += 4) view.setFloat32(pos, t.data[i], true);
  }
  return out;
}

/** IEEE half (binary16) bits -> number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // subnormal
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** One tensor's place in a file: its dtype, shape and byte range relative to the end of the header. */
export interface TensorEntry {
  name: string;
  dtype: "F32" | "F16" | "BF16";
  shape: number[];
  begin: number;
  end: number;
}

/** Decodes a safetensors file; truncated or malformed input is an error that says what is wrong. */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) {
    throw new Error(`safetensors: ${bytes.length} bytes, too short for the 8-byte header length`);
  }
  const headerLen = checkedHeaderLength(bytes.subarray(0, 8), bytes.length);
  const dataStart = 8 + headerLen;
  const { entries, metadata } = parseHeader(bytes.subarray(8, dataStart), bytes.length - dataStart);
  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    tensors.set(e.name, {
      shape: e.shape,
      data: decodeTensor(bytes.subarray(dataStart + e.begin, dataStart + e.end), e.dtype),
    });
  }
  return { tensors, metadata };
}

/** The header length from a file's first 8 bytes, checked against the file's size. */
function checkedHeaderLength(first8: Uint8Array, fileSize: number): number {
  const headerLen = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (headerLen > BigInt(fileSize - 8)) {
    throw new Error(
      `safetensors: header length ${headerLen} exceeds the ${fileSize - 8} bytes after it (truncated?)`,
    );
  }
  return Number(headerLen);
}

/**
 * The header's tensors in file order and its metadata, checked as the format's specification says:
 * known dtypes, shapes whose element count matches the byte range, ranges inside the `dataLen` data
 * bytes that follow each other with no gap or overlap, no name twice, `__metadata__` strings only.
 */
export function parseHeader(
  headerBytes: Uint8Array,
  dataLen: number,
): { entries: TensorEntry[]; metadata: Record<string, string> } {
  let text: string;
  let header: Record<string, unknown>;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
    header = JSON.parse(text);
  } catch (e) {
    throw new Error(`safetensors: header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new Error("safetensors: header is not a JSON object");
  }
  const duplicate = duplicateTopLevelKey(text);
  if (duplicate !== undefined) {
    throw new Error(`safetensors: tensor ${duplicate} is named twice in the header`);
  }
  const entries: TensorEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = checkedMetadata(entry);
      continue;
    }
    const { dtype, shape, data_offsets } = entry as { dtype: unknown; shape: unknown; data_offsets: unknown };
    if (typeof dtype !== "string" || !(dtype in BYTES)) {
      throw new Error(
        `safetensors: ${name} has dtype ${JSON.stringify(dtype)}; only F32, F16 and BF16 are read`,
      );
    }
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`safetensors: ${name} has a malformed shape ${JSON.stringify(shape)}`);
    }
    if (
      !Array.isArray(data_offsets) || data_offsets.length !== 2 ||
      data_offsets.some((d) => !Number.isInteger(d))
    ) {
      throw new Error(`safetensors: ${name} has malformed data_offsets ${JSON.stringify(data_offsets)}`);
    }
    const [begin, end] = data_offsets as number[];
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== n * BYTES[dtype] || begin < 0) {
      throw new Error(`safetensors: ${name} offsets [${begin}, ${end}] do not hold ${n} ${dtype} values`);
    }
    if (end > dataLen) {
      throw new Error(`safetensors: ${name} ends at byte ${end} but the data has ${dataLen} (truncated)`);
    }
    entries.push({ name, dtype: dtype as TensorEntry["dtype"], shape: shape as number[], begin, end });
  }
  checkSpans(entries, dataLen);
  return { entries, metadata };
}

/** A safetensors file opened for reading one tensor at a time: only its header is read up front. */
export interface SafetensorsReader {
  /** The file's tensors by name, in file order. */
  entries: ReadonlyMap<string, TensorEntry>;
  metadata: Record<string, string>;
  /** One tensor, read from its byte range and converted to F32. */
  read(name: string): Promise<SafeTensor>;
  close(): void;
}

/** A file that can be read by byte range (models/files.ts's ModelFile). */
export interface RangeReadable {
  readonly path: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): void;
}

/** Opens `file` for streamed reading; a malformed header is an error naming the file. */
export async function openSafetensors(file: RangeReadable): Promise<SafetensorsReader> {
  let entries: TensorEntry[];
  let metadata: Record<string, string>;
  let dataStart: number;
  try {
    if (file.size < 8) {
      throw new Error(`safetensors: ${file.size} bytes, too short for the 8-byte header length`);
    }
    const headerLen = checkedHeaderLength(await file.read(0, 8), file.size);
    dataStart = 8 + headerLen;
    ({ entries, metadata } = parseHeader(await file.read(8, headerLen), file.size - dataStart));
  } catch (e) {
    file.close();
    throw new Error(`${file.path}: ${(e as Error).message}`);
  }
  const byName = new Map(entries.map((e) => [e.name, e]));
  return {
    entries: byName,
    metadata,
    async read(name) {
      const e = byName.get(name);
      if (e === undefined) throw new Error(`${file.path}: holds no tensor ${name}`);
      const raw = await file.read(dataStart + e.begin, e.end - e.begin);
      // The read is this tensor's own buffer: F32 on a little-endian host is used as it is, so the
      // largest tensor is not held twice while it loads.
      const own = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength;
      if (e.dtype === "F32" && own && LITTLE_ENDIAN) {
        return { shape: e.shape, data: new Float32Array(raw.buffer as ArrayBuffer) };
      }
      return { shape: e.shape, data: decodeTensor(raw, e.dtype) };
    },
    close: () => file.close(),
  };
}

/**
 * The specification's layout rule: the tensors' byte ranges, sorted, follow each other with no gap and
 * no overlap and cover the data exactly. Overlapping ranges would load one tensor's bytes as another's.
 */
function checkSpans(spans: readonly { name: string; begin: number; end: number }[], dataLen: number): void {
  const sorted = [...spans].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const s of sorted) {
    if (s.begin < at) {
      throw new Error(`safetensors: ${s.name} offsets [${s.begin}, ${s.end}] overlap the tensor before it`);
    }
    if (s.begin > at) {
      throw new Error(`safetensors: bytes [${at}, ${s.begin}) before ${s.name} belong to no tensor`);
    }
    at = s.end;
  }
  if (at !== dataLen) {
    throw new Error(`safetensors: the tensors cover ${at} bytes but the data holds ${dataLen}`);
  }
}

/** `__metadata__` must map strings to strings. */
function checkedMetadata(entry: unknown): Record<string, string> {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
    throw new Error("safetensors: __metadata__ is not an object of strings");
  }
  for (const [key, value] of Object.entries(entry)) {
    if (typeof value !== "string") {
      throw new Error(`safetensors: __metadata__.${key} is ${JSON.stringify(value)}, not a string`);
    }
  }
  return entry as Record<string, string>;
}

/**
 * A key that appears twice at the top level of a JSON object text, or undefined. JSON.parse keeps the
 * last copy silently; this scan (strings and nesting depth only, the text is already known to parse)
 * finds the duplicate.
 */
function duplicateTopLevelKey(json: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === "\\" ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(json.slice(i, j + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === "{" || c === "[") {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === "}" || c === "]") depth--;
    else if (c === "," && depth === 1) expectKey = true;
  }
  return undefined;
}

/** Little-endian raw values of `dtype` -> Float32Array (F16 and BF16 widened exactly). */
export function decodeTensor(raw: Uint8Array, dtype: TensorEntry["dtype"]): Float32Array {
  const n = raw.byteLength / BYTES[dtype];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(n);
  if (dtype === "F32") {
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  } else if (dtype === "F16") {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  } else {
    // bfloat16 is the top half of a float32.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
  }
  return out;
}
