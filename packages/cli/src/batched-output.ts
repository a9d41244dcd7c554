type Write = NodeJS.WriteStream['write'];

interface Queued {
  write: Write;
  text: string;
  done?: (error?: Error | null) => void;
}

/**
 * Writes of stdout and stderr that are not a terminal (a pipe, a file: CI logs) queued and written once
 * per event-loop turn, in the order they were made. A batch of hundreds of models prints about three
 * plain lines each, and each write to a pipe is a system call that wakes its reader: 600 of them were
 * ~150 ms of a 1.8 s no-op of 200 models on the bench machine. A terminal is written at once (the live
 * list draws there). What is queued is written by the end of the turn, or at exit, where Node writes
 * files and (on Linux) pipes at once, as it did each line before. Returns what puts the streams back (for tests).
 */
export function batchPlainOutput(streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): () => void {
  const queue: Queued[] = [];
  let scheduled = false;
  /** At exit no later turn comes: what is written then goes out at once. */
  let exiting = false;
  const flush = () => {
    scheduled = false;
    while (queue.length > 0) {
      // Consecutive writes to one stream go out as one.
      const first = queue.shift()!;
      const callbacks = [first.done];
      let text = first.text;
      while (queue[0]?.write === first.write) {
        const next = queue.shift()!;
        text += next.text;
        callbacks.push(next.done);
      }
      first.write(text, (error) => {
        for (const done of callbacks) done?.(error);
      });
    }
  };
  const originals = new Map<NodeJS.WriteStream, Write>();
  for (const stream of streams) {
    if (stream.isTTY) continue;
    const write = stream.write.bind(stream) as Write;
    originals.set(stream, stream.write);
    stream.write = ((chunk: string | Uint8Array, encoding?: BufferEncoding | ((error?: Error | null) => void), done?: (error?: Error | null) => void) => {
      const callback = typeof encoding === 'function' ? encoding : done;
      if (exiting || typeof chunk !== 'string' || (typeof encoding === 'string' && encoding !== 'utf8')) {
        // Bytes, or another encoding: written now, after what is queued.
        flush();
        return write(chunk as string, encoding as BufferEncoding, callback);
      }
      queue.push({ write, text: chunk, done: callback });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return true;
    }) as Write;
  }
  const atExit = () => {
    exiting = true;
    flush();
  };
  process.on('exit', atExit);
  return () => {
    flush();
    process.off('exit', atExit);
    for (const [stream, write] of originals) stream.write = write;
  };
}
