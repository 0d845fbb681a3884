/**
 * Extra, untimed Kiln imports that explain where time and memory go: one under
 * `node --cpu-prof` (summarised by function and area) and, when strace is installed, one under
 * `strace -c -f` (system calls counted across all threads).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { summarizeProfile, type CpuProfile, type ProfileSummary } from '../plan/profile-summary.ts';
import { kilnArgs, kilnEnv, type ImporterContext } from './importers.ts';
import { measureCommand } from './measure-command.ts';

/** What the profiling runs of one image found. */
export interface ProfileReport {
  cpuProfile: string;
  wallMs: number;
  maxRssBytes: number;
  summary: ProfileSummary;
  /** The top of `strace -c -f`'s table, or null when strace is not installed. */
  strace: string | null;
}

/** Whether strace is installed. */
export function straceAvailable(): boolean {
  return ['/usr/bin/strace', '/bin/strace'].some((p) => existsSync(p));
}

/** Imports `ref` once under --cpu-prof (profile written to `profileDir`) and once under strace -c -f. */
export async function profileKilnImport(ctx: ImporterContext, ref: string, work: string, profileDir: string, name: string): Promise<ProfileReport> {
  await mkdir(profileDir, { recursive: true });
  const profileName = `${name}.cpuprofile`;
  const dataDir = path.join(work, 'prof-data');
  await mkdir(dataDir, { recursive: true });
  const m = await measureCommand(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${profileName}`, ...kilnArgs(ctx, ref, path.join(work, 'prof-rootfs'))], {
    env: kilnEnv(ctx, dataDir), cwd: ctx.repoRoot, timeoutMs: ctx.timeoutMs,
  });
  if (m.code !== 0) throw new Error(`the profiled kiln image import failed: ${m.stderr.slice(-2000)}`);
  const cpuProfile = path.join(profileDir, profileName);
  const summary = summarizeProfile(JSON.parse(await readFile(cpuProfile, 'utf8')) as CpuProfile, 15);
  await rm(path.join(work, 'prof-rootfs'), { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });

  let strace: string | null = null;
  if (straceAvailable()) {
    const out = path.join(work, 'strace.txt');
    await mkdir(dataDir, { recursive: true });
    const s = await measureCommand('strace', ['-c', '-f', '-o', out, process.execPath, ...kilnArgs(ctx, ref, path.join(work, 'strace-rootfs'))], {
      env: kilnEnv(ctx, dataDir), cwd: ctx.repoRoot, timeoutMs: ctx.timeoutMs,
    });
    if (s.code !== 0) throw new Error(`the straced kiln image import failed: ${s.stderr.slice(-2000)}`);
    strace = (await readFile(out, 'utf8')).split('\n').slice(0, 22).join('\n');
    await rm(path.join(work, 'strace-rootfs'), { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  }
  return { cpuProfile, wallMs: m.wallMs, maxRssBytes: m.maxRssBytes, summary, strace };
}

/** Renders a profile report as text. */
export function formatProfile(name: string, p: ProfileReport): string {
  const rows = (title: string, xs: ProfileSummary['self']) => [title, ...xs.map((r) => `${r.pct.toFixed(1).padStart(6)}% ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`)];
  return [
    `Profile of ${name}: ${p.cpuProfile} (profiled run ${(p.wallMs / 1000).toFixed(2)} s, peak RSS ${(p.maxRssBytes / 1e6).toFixed(1)} MB; ` +
      `main thread ${p.summary.sampledMs} ms busy, ${p.summary.idleMs} ms idle)`,
    ...rows('Self time by area', p.summary.areas.slice(0, 10)),
    ...rows('Self time by function', p.summary.self),
    ...rows('Inclusive time by function', p.summary.inclusive),
    ...(p.strace ? ['strace -c -f:', p.strace] : []),
  ].join('\n');
}
