/** The command line of one `buildah bud`, from a build's settings; no secret value ever appears in it. */

/** Everything that shapes the command line. */
export interface BudSettings {
  dockerfile: string;
  contextDir: string;
  iidFile: string;
  runcRoot: string;
  policyPath: string;
  registriesConf: string;
  /** Directory of extra CA certificates (`*.crt`), when there are any. */
  certDir?: string;
  authFile?: string;
  /** Secret ids and the files holding their values. */
  secrets: { id: string; file: string }[];
  buildArgs: Record<string, string>;
  target?: string;
  /** buildah's own layer cache (`--layers`). */
  layers: boolean;
  /** The steps' network: none at all, or the build network's namespace (slirp4netns) and its DNS server. */
  network: { netns: string; dns: string } | null;
  vcpus?: number;
  memoryMib?: number;
}

const SECRET_ID_RE = /^[A-Za-z0-9._-]{1,128}$/;

/** `[global flags…, 'bud', flags…, contextDir]`. */
export function budArgs(s: BudSettings): string[] {
  const args = ['--registries-conf', s.registriesConf, 'bud',
    '--runtime', 'runc', '--runtime-flag', `root=${s.runcRoot}`, '--isolation', 'oci',
    '--signature-policy', s.policyPath, '--format', 'oci',
    '-f', s.dockerfile, '--iidfile', s.iidFile,
    `--layers=${s.layers}`, '--rm', '--force-rm'];
  if (!s.network) args.push('--network', 'none');
  else args.push('--network', `ns:${s.network.netns}`, '--dns', s.network.dns);
  if (s.certDir) args.push('--cert-dir', s.certDir);
  if (s.authFile) args.push('--authfile', s.authFile);
  for (const { id, file } of s.secrets) {
    if (!SECRET_ID_RE.test(id) || file.includes(',')) throw new RangeError(`unusable secret id or path: ${JSON.stringify(id)}`);
    args.push('--secret', `id=${id},src=${file}`);
  }
  for (const [k, v] of Object.entries(s.buildArgs)) args.push('--build-arg', `${k}=${v}`);
  if (s.target) args.push('--target', s.target);
  if (s.memoryMib) args.push('--memory', `${s.memoryMib}m`);
  if (s.vcpus) args.push('--cpu-period', '100000', '--cpu-quota', String(s.vcpus * 100000));
  args.push(s.contextDir);
  return args;
}
