/** In-process notices between the API and the embedded worker: a build was queued or cancelled, or its log grew. */
import { EventEmitter } from 'node:events';

/** Events: `queued` (no argument), `cancelled` (build id) and `logged` (build id, after an entry was stored). */
export class BuildEvents extends EventEmitter<{ queued: []; cancelled: [buildId: string]; logged: [buildId: string] }> {
  constructor() {
    super();
    // Every following log stream listens for `logged`: many at once is normal, not a leak.
    this.setMaxListeners(0);
  }
}
