import { close, read } from "node:fs";
import type { ServerResponse } from "node:http";

/**
 * Sending a byte range of an open file as a response body, with reads into
 * buffers that are reused.
 *
 * A fresh buffer per read (what `fs.createReadStream` does) costs page faults
 * and garbage collection that grow with the number of downloads in flight:
 * with 1 MiB reads and 16 concurrent downloads, more CPU went to that than to
 * copying the bytes. Here each download reads CHUNK_BYTES at a time into
 * buffers taken from a shared pool and returned when the socket has written
 * them, so nothing is allocated once the pool is warm. A download has two
 * buffers in flight (one being read while the other is written) while few
 * run at once, and one when many do (their reads and writes overlap each
 * other's then): at most 512 KiB held per download, 256 KiB in a boot storm.
 */
export const CHUNK_BYTES = 256 * 1024;
/** Downloads in flight above which each keeps a single buffer. */
const READ_AHEAD_UP_TO = 16;
let downloads = 0;
/** Idle buffers kept for the next downloads (16 MiB); beyond that they are left to the garbage collector. */
const POOL_MAX_IDLE = 64;

const idle: Buffer[] = [];

function takeBuffer(): Buffer {
  return idle.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
}

function returnBuffer(buffer: Buffer): void {
  if (idle.length < POOL_MAX_IDLE) idle.push(buffer);
}

/** Buffers waiting in the pool (for tests and metrics). */
export function idleBuffers(): number {
  return idle.length;
}

/**
 * Writes bytes `start`..`end` (inclusive) of `fd` as the body of `res`, whose
 * status and headers are set, then ends the response. The descriptor is
 * closed when the body is sent or the response is given up (client gone,
 * read error, file shorter than announced: the connection is destroyed, since
 * the announced length can no longer be honoured).
 */
export function sendFileBody(res: ServerResponse, fd: number, start: number, end: number): void {
  let position = start;
  let writing = 0;
  let reading = false;
  let done = false;
  downloads++;

  const finish = (error?: Error) => {
    if (done) return;
    done = true;
    downloads--;
    res.off("close", onClose);
    // A read still in flight closes it when it returns: the number must not be reused under it.
    if (!reading) close(fd, () => undefined);
    if (error) res.destroy(error);
  };
  const onClose = () => {
    if (!res.writableFinished) finish();
  };
  res.on("close", onClose);

  const next = () => {
    if (done || reading || writing >= (downloads > READ_AHEAD_UP_TO ? 1 : 2)) return;
    if (position > end) {
      if (writing === 0) {
        res.end();
        finish();
      }
      return;
    }
    if (res.destroyed) return finish();
    const buffer = takeBuffer();
    reading = true;
    read(fd, buffer, 0, Math.min(CHUNK_BYTES, end - position + 1), position, (error, bytesRead) => {
      reading = false;
      if (done) {
        close(fd, () => undefined);
        return returnBuffer(buffer);
      }
      if (error || bytesRead === 0) {
        returnBuffer(buffer);
        return finish(error ?? new Error("file shorter than its announced length"));
      }
      position += bytesRead;
      writing++;
      // The buffer is the socket's until the write callback: only then may it be reused.
      res.write(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead), (writeError) => {
        writing--;
        returnBuffer(buffer);
        if (writeError) return finish();
        next();
      });
      next();
    });
  };
  next();
}
