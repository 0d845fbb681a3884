/**
 * Test support: a node:http server on a loopback address whose handler each test supplies,
 * for the faults a real registry cannot be made to produce (5xx, dropped or stalled transfers,
 * wrong bytes, cross-host redirects). Every request is recorded with its headers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHash } from 'node:crypto';

/** One request the fault server received. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A running fault server. */
export interface FaultServer {
  /** `127.0.0.1:PORT` (or `[::1]:PORT`), as a registry host. */
  host: string;
  /** `http://` + host. */
  url: string;
  requests: SeenRequest[];
  stop(): Promise<void>;
}

/** A request handler that may also see the request body. */
export type FaultHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** Starts a fault server on `address` (127.0.0.1 by default). */
export async function startFaultServer(handler: FaultHandler, address = '127.0.0.1'): Promise<FaultServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const { port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  return {
    host,
    url: `http://${host}`,
    requests,
    stop: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** The sha256 digest of some bytes. */
export function digestOf(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Deterministic pseudo-random bytes (a blob larger than one network chunk). */
export function blobBytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Serves `bytes` honouring a `Range: bytes=N-` header (206) unless `ranges` is false. */
export function serveBytes(req: IncomingMessage, res: ServerResponse, bytes: Buffer, ranges = true): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (ranges && m) {
    const start = Number(m[1]);
    res.writeHead(206, {
      'content-length': bytes.length - start,
      'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
      'accept-ranges': 'bytes',
    });
    res.end(bytes.subarray(start));
    return;
  }
  res.writeHead(200, { 'content-length': bytes.length, ...(ranges ? { 'accept-ranges': 'bytes' } : {}) });
  res.end(bytes);
}

/** Sends the first `cut` bytes of `bytes` with the full Content-Length, then drops the connection. */
export function serveThenDrop(res: ServerResponse, bytes: Buffer, cut: number): void {
  res.writeHead(200, { 'content-length': bytes.length, 'accept-ranges': 'bytes' });
  res.write(bytes.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
}
