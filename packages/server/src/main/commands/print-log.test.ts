import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogEntry } from '@kiln/sdk';
import { LogPrinter, formatLogEntry } from './print-log.ts';

const entry = (over: Partial<LogEntry>): LogEntry => ({
  build_id: 'tb_x', template_id: 'tmpl_x', offset: 0, timestamp: '2026-01-01T00:00:00.000Z', kind: 'message', level: 'info', message: 'm', ...over,
});

test('entries print under their step or phase; an error entry prints its first line', () => {
  assert.equal(formatLogEntry(entry({ phase: 'step', step_index: 2, total_steps: 5, message: 'compiling' })), '[step 2/5] compiling');
  assert.equal(formatLogEntry(entry({ phase: 'preparing', message: 'Preparing.' })), '[preparing] Preparing.');
  assert.equal(formatLogEntry(entry({ kind: 'cache', phase: 'step', message: 'layer cache hit' })), '[cache] layer cache hit');
  assert.equal(formatLogEntry(entry({ kind: 'start', message: 'Build started.' })), '[start] Build started.');
  assert.equal(formatLogEntry(entry({ kind: 'error', phase: 'step', message: 'Step 3/3 failed.\nLast output:\nx' })), '[step] Step 3/3 failed.');
});

test('the printer hides debug entries unless verbose, and remembers the step count and next offset', () => {
  const lines: string[] = [];
  const printer = new LogPrinter({ write: (t) => { lines.push(t); } });
  printer.print(entry({ offset: 0, phase: 'step', step_index: 1, total_steps: 4, message: 'STEP 1/4' }));
  printer.print(entry({ offset: 1, level: 'debug', message: 'chatter' }));
  assert.deepEqual(lines, ['[step 1/4] STEP 1/4\n']);
  assert.equal(printer.totalSteps, 4);
  assert.equal(printer.nextOffset, 2);
  const verbose = new LogPrinter({ verbose: true, write: (t) => { lines.push(t); } });
  verbose.print(entry({ level: 'debug', phase: 'cache', message: 'chatter' }));
  assert.equal(lines.at(-1), '[cache] chatter\n');
});
