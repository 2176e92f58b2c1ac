/**
 * Users of the GUI/API: a JSON file (mode 0600) of `{ name, role, hash }` with scrypt hashes, managed
 * by the CLI and read by the server. Writes are atomic (temp file + rename); the server notices edits
 * made by the CLI (mtime, checked at most once a second), so adding or removing a user needs no restart.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Type, type Static } from 'typebox';
import { createDecoder } from '@honeyproxy/protocol';
import { checkHash, DEFAULT_SCRYPT, hashPassword, type ScryptParams } from './password-hash.js';

export const ROLES = ['viewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const UserRecord = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9._@-]{1,64}$' }),
    role: Type.Union([Type.Literal('viewer'), Type.Literal('admin')]),
    hash: Type.String({ maxLength: 512 }),
  },
  { additionalProperties: false },
);
export type UserRecord = Static<typeof UserRecord>;
const usersFileCodec = createDecoder(Type.Array(UserRecord, { maxItems: 10_000 }), 'users file');

export const MIN_PASSWORD_LENGTH = 8;

/** The users file is unreadable, or a user operation is not allowed; the message says why. */
export class UserStoreError extends Error {
  override readonly name = 'UserStoreError';
}

export type BootstrapResult =
  | { created: false }
  | {
      created: true;
      name: string;
      role: 'admin';
      /** Only when it was generated (to show once). */ generatedPassword?: string;
    };

export interface UserStore {
  readonly file: string;
  /** Parameters new hashes are made with. */
  readonly scrypt: ScryptParams;
  list(): Promise<{ name: string; role: Role }[]>;
  find(name: string): Promise<UserRecord | undefined>;
  add(name: string, password: string, role: Role): Promise<void>;
  remove(name: string): Promise<boolean>;
  /** When no user exists: creates `spec` as admin, or `admin` with a random password returned once. */
  ensureBootstrapUser(spec?: { name: string; password: string }): Promise<BootstrapResult>;
}

export function validateUserName(name: string): void {
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) {
    throw new UserStoreError(
      `invalid user name "${name.slice(0, 64)}": use 1-64 letters, digits, . _ @ -`,
    );
  }
}

export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export function createUserStore(file: string, options: { scrypt?: ScryptParams } = {}): UserStore {
  const params = options.scrypt ?? DEFAULT_SCRYPT;
  let users: UserRecord[] | undefined;
  let loadedMtime = -1;
  let checkedAt = 0;

  async function load(force = false): Promise<UserRecord[]> {
    const now = Date.now();
    if (!force && users && now - checkedAt < 1000) return users;
    checkedAt = now;
    let mtime: number;
    try {
      mtime = (await stat(file)).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return (users = []);
      throw new UserStoreError(`cannot read users file ${file}: ${(err as Error).message}`);
    }
    if (users && mtime === loadedMtime && !force) return users;
    try {
      const parsed = usersFileCodec.decodeJson(await readFile(file));
      parsed.forEach((u) => checkHash(u.hash));
      users = parsed;
      loadedMtime = mtime;
      return users;
    } catch (err) {
      throw new UserStoreError(`users file ${file} is invalid: ${(err as Error).message}`);
    }
  }

  async function save(next: UserRecord[]): Promise<void> {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    await chmod(tmp, 0o600); // in case the umask or an existing file widened it
    await rename(tmp, file);
    users = next;
    loadedMtime = (await stat(file)).mtimeMs;
  }

  async function add(name: string, password: string, role: Role): Promise<void> {
    validateUserName(name);
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw new UserStoreError(
        `password for "${name}" is too short (at least ${MIN_PASSWORD_LENGTH} characters)`,
      );
    }
    const current = await load(true);
    if (current.some((u) => u.name === name))
      throw new UserStoreError(`user "${name}" already exists`);
    await save([...current, { name, role, hash: await hashPassword(password, params) }]);
  }

  return {
    file,
    scrypt: params,
    list: async () => (await load(true)).map(({ name, role }) => ({ name, role })),
    find: async (name) => (await load()).find((u) => u.name === name),
    add,
    async remove(name) {
      const current = await load(true);
      const next = current.filter((u) => u.name !== name);
      if (next.length === current.length) return false;
      await save(next);
      return true;
    },
    async ensureBootstrapUser(spec) {
      if ((await load(true)).length > 0) return { created: false };
      if (spec) {
        await add(spec.name, spec.password, 'admin');
        return { created: true, name: spec.name, role: 'admin' };
      }
      const generatedPassword = generatePassword();
      await add('admin', generatedPassword, 'admin');
      return { created: true, name: 'admin', role: 'admin', generatedPassword };
    },
  };
}
