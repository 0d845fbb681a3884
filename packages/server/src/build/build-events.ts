/** In-process notices between the API and the embedded worker: a build was queued or cancelled. */
import { EventEmitter } from 'node:events';

/** Events: `queued` (no argument) and `cancelled` (build id). */
export class BuildEvents extends EventEmitter<{ queued: []; cancelled: [buildId: string] }> {}
