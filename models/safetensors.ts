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

/** Decodes a safetensors file; truncated or malformed input is an error that says what is wrong. */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) {
    throw new Error(`safetensors: ${bytes.length} bytes, too short for the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(bytes.length - 8)) {
    throw new Error(
      `safetensors: header length ${headerLen} exceeds the ${bytes.length - 8} bytes after it (truncated?)`,
    );
  }
  const dataStart = 8 + Number(headerLen);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (e) {
    throw new Error(`safetensors: header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new Error("safetensors: header is not a JSON object");
  }
  const dataLen = bytes.length - dataStart;
  const duplicate = duplicateTopLevelKey(new TextDecoder().decode(bytes.subarray(8, dataStart)));
  if (duplicate !== undefined) {
    throw new Error(`safetensors: tensor ${duplicate} is named twice in the header`);
  }
  const tensors = new Map<string, SafeTensor>();
  const spans: { name: string; begin: number; end: number }[] = [];
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
    spans.push({ name, begin, end });
    tensors.set(name, {
      shape: shape as number[],
      data: decode(bytes.subarray(dataStart + begin, dataStart + end), dtype, n),
    });
  }
  checkSpans(spans, dataLen);
  return { tensors, metadata };
}

/**
 * The specification's layout rule: the tensors' byte ranges, sorted, follow each other with no gap and
 * no overlap and cover the data exactly. Overlapping ranges would load one tensor's bytes as another's.
 */
function checkSpans(spans: { name: string; begin: number; end: number }[], dataLen: number): void {
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

/** Little-endian raw values -> Float32Array. */
function decode(raw: Uint8Array, dtype: string, n: number): Float32Array {
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
