/** Offers bytes or text as a file download (an object URL on a temporary link). */
export function download(name: string, data: string | Uint8Array, type: string): void {
  const part = typeof data === "string" ? data : (data as Uint8Array<ArrayBuffer>);
  const url = URL.createObjectURL(new Blob([part], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
