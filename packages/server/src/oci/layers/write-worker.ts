/** The worker thread that runs batches of small-entry writes (see batch-ops.ts) and sends each batch's buffer back. */
import { parentPort } from 'node:worker_threads';
import { runBatch, type BatchMessage, type BatchReply } from './batch-ops.ts';

const port = parentPort;
if (port) {
  port.on('message', (m: BatchMessage) => {
    const failure = runBatch(m.ops, new Uint8Array(m.data));
    const reply: BatchReply = { id: m.id, failure, data: m.data };
    port.postMessage(reply, [m.data]);
  });
}
