/**
 * Fuzzing the analysis with mutated corpus files (byte flips, truncations, duplicated lines,
 * inserted backslashes, heredoc markers and `${`, random binary). A seeded generator makes
 * every failure reproducible: the failing case's seed and index are in the message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { ERROR_CODES } from '../errors/codes.ts';
import { ANALYSIS_FAILED_MESSAGE, analyzeDockerfile } from './analyze-dockerfile.ts';
import { prng } from '../testing/seeded-rng.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const CASES = Number(process.env.FUZZ_CASES ?? 3000);
const corpusDir = new URL('../../../../test/corpus/dockerfiles/', import.meta.url);
const corpus = readdirSync(corpusDir).filter((f) => f.endsWith('.Dockerfile')).sort().map((f) => readFileSync(new URL(f, corpusDir), 'utf8'));


const INSERTS = ['\\', '\\\n', '`', '<<EOF', '<<-EOT\n', "<<'X'", '\nEOF\n', '${', '${A:-', '$', '"', "'", '[', '["a",', '#', '\n# escape=`\n', '\r', '\u0000', 'FROM ', '\nCOPY --from=', ' AS x', '--mount=type=secret', '\nHEALTHCHECK CMD ', '\nONBUILD ', '\uFEFF'];

function mutate(rand: () => number, text: string): string {
  const pick = <T>(list: T[]): T => list[Math.floor(rand() * list.length)];
  const at = (): number => Math.floor(rand() * (text.length + 1));
  switch (Math.floor(rand() * 7)) {
    case 0: { // byte flips
      const chars = [...text];
      for (let n = 1 + Math.floor(rand() * 8); n > 0 && chars.length > 0; n--) chars[Math.floor(rand() * chars.length)] = String.fromCharCode(Math.floor(rand() * 256));
      return chars.join('');
    }
    case 1: return text.slice(0, at());
    case 2: {
      const lines = text.split('\n');
      const i = Math.floor(rand() * lines.length);
      lines.splice(i, 0, ...Array.from({ length: 1 + Math.floor(rand() * 4) }, () => lines[i]));
      return lines.join('\n');
    }
    case 3: {
      let out = text;
      for (let n = 1 + Math.floor(rand() * 6); n > 0; n--) {
        const p = Math.floor(rand() * (out.length + 1));
        out = out.slice(0, p) + pick(INSERTS) + out.slice(p);
      }
      return out;
    }
    case 4: return Array.from({ length: Math.floor(rand() * 2048) }, () => String.fromCharCode(Math.floor(rand() * 256))).join('');
    case 5: { // shuffle a few lines
      const lines = text.split('\n');
      for (let n = 0; n < 5; n++) {
        const i = Math.floor(rand() * lines.length);
        const j = Math.floor(rand() * lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
      }
      return lines.join('\n');
    }
    default: return pick(INSERTS) + text.slice(at());
  }
}

test(`analyzeDockerfile survives ${CASES} mutated Dockerfiles (seed ${SEED})`, { timeout: 60_000 }, () => {
  const rand = prng(SEED);
  for (let i = 0; i < CASES; i++) {
    const source = corpus[Math.floor(rand() * corpus.length)];
    const text = mutate(rand, rand() < 0.3 ? mutate(rand, source) : source);
    const where = `case ${i} (FUZZ_SEED=${SEED})`;
    let result;
    try {
      result = analyzeDockerfile(text, { buildTarget: rand() < 0.1 ? 'x' : undefined });
    } catch (err) {
      assert.fail(`${where}: threw ${String(err)}`);
    }
    const lineCount = (text.match(/\n/g)?.length ?? 0) + 1;
    for (const e of result.errors) {
      assert.ok(Object.hasOwn(ERROR_CODES, e.code), `${where}: unknown code ${e.code}`);
      assert.notEqual(e.message, ANALYSIS_FAILED_MESSAGE, `${where}: analysis failed internally`);
      if (e.code === 'unknown_build_target') continue;
      assert.ok(e.line !== undefined && e.line >= 1 && e.line <= lineCount, `${where}: error line ${e.line} outside 1..${lineCount}: ${e.message}`);
    }
    for (const w of result.plan.ignored_instruction_warnings) assert.ok(w.line >= 1 && w.line <= lineCount, `${where}: ignored line ${w.line}`);
    result.plan.build_steps.forEach((s, k) => assert.equal(s.index, k + 1, `${where}: step numbering`));
  }
});
