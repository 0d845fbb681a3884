/** Puts chunks already read (for sniffing magic bytes) back in front of the rest of a stream. */

/** Yields `head`, then the rest of `rest`; closes `rest` when the consumer stops early. */
export async function* prependChunks(head: Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* head;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await rest.return?.(undefined);
  }
}
