import { Writable } from "node:stream";

/** Which output a chunk of a multiplexed Docker stream belongs to. */
export type StreamName = "stdout" | "stderr";

/** Receives demultiplexed output; a returned promise holds the stream until it settles (backpressure). */
export type FrameSink = (stream: StreamName, payload: Buffer) => Promise<void> | undefined;

const HEADER_BYTES = 8;

/**
 * Parses Docker's attach framing (8-byte header: stream type, 3 zero bytes, big-endian length).
 * Written by hand rather than using docker-modem's demuxStream so that a slow consumer of
 * `getTar` slows the engine down instead of filling memory.
 */
export class FrameParser {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds raw bytes; returns the complete frames they finish. */
  push(chunk: Buffer): Array<{ stream: StreamName; payload: Buffer }> {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Array<{ stream: StreamName; payload: Buffer }> = [];
    let offset = 0;
    while (this.pending.length - offset >= HEADER_BYTES) {
      const type = this.pending.readUInt8(offset);
      const length = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - HEADER_BYTES < length) break;
      const start = offset + HEADER_BYTES;
      frames.push({ stream: type === 2 ? "stderr" : "stdout", payload: this.pending.subarray(start, start + length) });
      offset = start + length;
    }
    this.pending = this.pending.subarray(offset);
    return frames;
  }

  /** Bytes of an unfinished frame still waiting for the rest. */
  get bufferedBytes(): number {
    return this.pending.length;
  }
}

/** A writable end that demultiplexes a Docker exec stream into a sink. */
export function createDemuxer(sink: FrameSink): Writable {
  const parser = new FrameParser();
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      deliver(parser.push(chunk), sink).then(
        () => callback(),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });
}

async function deliver(frames: Array<{ stream: StreamName; payload: Buffer }>, sink: FrameSink): Promise<void> {
  for (const frame of frames) {
    const wait = sink(frame.stream, frame.payload);
    if (wait) await wait;
  }
}
