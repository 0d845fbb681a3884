/**
 * Resolves an image's `User` (`user`, `uid`, `user:group`, `user:gid`, `uid:group`, `uid:gid`)
 * against the image's own /etc/passwd and /etc/group, read through the root filesystem as a
 * chroot would (so /etc may itself be a symlink inside it). The rules are runc's (moby/sys/user
 * GetExecUser): a numeric user is always a uid, and one missing from passwd is allowed with gid 0;
 * a named user must exist; a named group must exist, a numeric one need not; without a group the
 * user's primary gid applies.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { KilnError } from '../../errors/errors.ts';
import { resolveInRootfs } from '../layers/rootfs-paths.ts';

/** The user and group a process of the image runs as. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  /** The `User` value as the image gave it. */
  user: string;
  /** The passwd name of the uid, when passwd has it. */
  name?: string;
  /** The group name of the gid, when group has it. */
  group?: string;
  /** The home directory passwd gives the user, when it has one. */
  home?: string;
}

/** Largest id runc accepts (moby/sys/user's maxID). */
const MAX_ID = 2 ** 31 - 1;
/** Bytes of /etc/passwd or /etc/group read at most. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const NUMERIC = /^[0-9]+$/;

interface Row {
  name: string;
  id: number;
  gid?: number;
  home?: string;
}

/** Reads a file of the image through the jail; null when it does not exist (or is not a regular file). */
async function readImageFile(rootfs: string, path: string): Promise<string | null> {
  let real: string | null;
  try {
    real = await resolveInRootfs(rootfs, path);
  } catch {
    return null;
  }
  if (real === null) return null;
  let handle;
  try {
    handle = await open(`${rootfs}/${real}`, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return null;
    const size = Math.min(st.size, MAX_FILE_BYTES);
    const buf = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buf, 0, size, 0);
    return buf.toString('utf8', 0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Parses passwd (`name:pw:uid:gid:…`) or group (`name:pw:gid:…`) lines; malformed lines are skipped. */
function parseRows(text: string, kind: 'passwd' | 'group'): Row[] {
  const rows: Row[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(':');
    if (f.length < 3 || f[0] === '' || !NUMERIC.test(f[2])) continue;
    const gid = kind === 'passwd' && f.length > 3 && NUMERIC.test(f[3]) ? Number(f[3]) : undefined;
    if (kind === 'passwd' && gid === undefined) continue;
    rows.push({ name: f[0], id: Number(f[2]), gid, ...(kind === 'passwd' && f[5] ? { home: f[5] } : {}) });
  }
  return rows;
}

function fail(message: string): KilnError {
  return new KilnError('unknown_image_user', message, { phase: 'preparing' });
}

function numericId(text: string, what: 'user' | 'group', spec: string): number | null {
  if (!NUMERIC.test(text)) return null;
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id > MAX_ID) throw fail(`The image's User ${JSON.stringify(spec)} has a ${what} id outside 0..${MAX_ID}.`);
  return id;
}

/**
 * Resolves `user` (the image config's `User`) inside `rootfs`. An empty value means root (0:0).
 * Throws KilnError `unknown_image_user` naming the user or group and the file it is missing from.
 */
export async function resolveUser(rootfs: string, user: string): Promise<ResolvedUser> {
  const spec = user.trim();
  if (spec === '') return { uid: 0, gid: 0, user, name: 'root', group: 'root' };
  const colon = spec.indexOf(':');
  const userPart = colon < 0 ? spec : spec.slice(0, colon);
  const groupPart = colon < 0 ? '' : spec.slice(colon + 1);
  const passwd = parseRows((await readImageFile(rootfs, 'etc/passwd')) ?? '', 'passwd');
  const uidArg = numericId(userPart, 'user', spec);
  let uid: number;
  let gid = 0;
  let name: string | undefined;
  let home: string | undefined;
  if (userPart === '') {
    const root = passwd.find((r) => r.id === 0);
    uid = 0;
    gid = root?.gid ?? 0;
    name = root?.name;
    home = root?.home;
  } else {
    const row = uidArg !== null ? passwd.find((r) => r.id === uidArg) : passwd.find((r) => r.name === userPart);
    if (row === undefined && uidArg === null) {
      throw fail(`The image's User names the user ${JSON.stringify(userPart)}, which the image's /etc/passwd does not define.`);
    }
    uid = row?.id ?? (uidArg as number);
    gid = row?.gid ?? 0;
    name = row?.name;
    home = row?.home;
  }
  const groups = parseRows((await readImageFile(rootfs, 'etc/group')) ?? '', 'group');
  let group: string | undefined;
  if (groupPart !== '') {
    const gidArg = numericId(groupPart, 'group', spec);
    const row = gidArg !== null ? groups.find((r) => r.id === gidArg) : groups.find((r) => r.name === groupPart);
    if (row === undefined && gidArg === null) {
      throw fail(`The image's User names the group ${JSON.stringify(groupPart)}, which the image's /etc/group does not define.`);
    }
    gid = row?.id ?? (gidArg as number);
    group = row?.name;
  } else {
    group = groups.find((r) => r.id === gid)?.name;
  }
  return { uid, gid, user, ...(name === undefined ? {} : { name }), ...(group === undefined ? {} : { group }), ...(home === undefined ? {} : { home }) };
}
