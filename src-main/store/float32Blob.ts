// Float32Array ↔ BLOB of little-endian float32 bytes, viewing memory in place wherever the host allows.
import { endianness } from 'node:os';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Bytes to bind as a BLOB; on little-endian hosts a view of the array's memory (SQLite copies on bind). */
export function encodeFloat32(values: Float32Array): Buffer {
  if (LITTLE_ENDIAN_HOST) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.allocUnsafe(values.byteLength);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i]!, 4 * i);
  return out;
}

/**
 * The floats of a BLOB read by better-sqlite3 (which hands over a fresh Buffer): a view of that
 * Buffer when it is 4-byte aligned, else exactly one copy. Throws when the length is not whole floats.
 */
export function decodeFloat32(blob: Uint8Array): Float32Array {
  if (blob.byteLength % 4 !== 0) throw new Error(`float32 blob of ${blob.byteLength} bytes is not whole floats`);
  const n = blob.byteLength / 4;
  if (!LITTLE_ENDIAN_HOST) {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    return Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true));
  }
  if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, n);
  const out = new Float32Array(n);
  new Uint8Array(out.buffer).set(blob);
  return out;
}
