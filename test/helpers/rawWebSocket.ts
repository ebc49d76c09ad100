// A WebSocket client at the byte level, for hostile-client tests: handshake by hand, frames written
// as given (oversized headers, bad opcodes, unmasked), and the server's close frame parsed.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawSocket {
  socket: Socket;
  /** Resolves with the server's close code and reason, or null if the connection ended without one. */
  closed: Promise<{ code: number; reason: string } | null>;
  /** Text frames the server sent before closing. */
  texts: string[];
}

/** Opens an authorized socket to a browser shell; `read: false` never reads what the server sends. */
export function rawWebSocket(port: number, token: string, opts: { read?: boolean } = {}): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const key = randomBytes(16).toString('base64');
    socket.once('error', reject);
    socket.write(
      `GET /ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\n` +
        `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const texts: string[] = [];
    let close: { code: number; reason: string } | null = null;
    let done!: (v: { code: number; reason: string } | null) => void;
    const closed = new Promise<{ code: number; reason: string } | null>((r) => (done = r));
    socket.on('close', () => done(close));
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        buf = buf.subarray(end + 4);
        if (!/^HTTP\/1\.1 101/.test(head)) return reject(new Error(head.split('\r\n')[0]));
        upgraded = true;
        if (opts.read === false) socket.pause();
        resolve({ socket, closed, texts });
      }
      for (let f = parseFrame(buf); f; f = parseFrame(buf)) {
        buf = buf.subarray(f.size);
        if (f.opcode === 0x1) texts.push(f.payload.toString());
        if (f.opcode === 0x8) close = { code: f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005, reason: f.payload.subarray(2).toString() };
      }
    });
  });
}

function parseFrame(buf: Buffer): { opcode: number; payload: Buffer; size: number } | null {
  if (buf.length < 2) return null;
  let len = buf[1]! & 0x7f;
  let at = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    at = 4;
  } else if (len === 127) {
    if (buf.length < 10) return null;
    len = Number(buf.readBigUInt64BE(2));
    at = 10;
  }
  if (buf.length < at + len) return null;
  return { opcode: buf[0]! & 0x0f, payload: buf.subarray(at, at + len), size: at + len };
}

/** A client frame: FIN + opcode, masked (as clients must), with the length field saying `declared` bytes. */
export function frame(opcode: number, payload: Buffer, opts: { declared?: number; masked?: boolean } = {}): Buffer {
  const declared = opts.declared ?? payload.length;
  const masked = opts.masked ?? true;
  const head = declared < 126 ? Buffer.from([0x80 | opcode, (masked ? 0x80 : 0) | declared]) : declared < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (declared >= 126) {
    head[0] = 0x80 | opcode;
    head[1] = (masked ? 0x80 : 0) | (declared < 65536 ? 126 : 127);
    if (declared < 65536) head.writeUInt16BE(declared, 2);
    else head.writeBigUInt64BE(BigInt(declared), 2);
  }
  if (!masked) return Buffer.concat([head, payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!;
  return Buffer.concat([head, mask, body]);
}

export const textFrame = (text: string) => frame(0x1, Buffer.from(text));
