/**
 * The admin commands of `honeyproxy-analyzer`: `user add|list|remove` and `migrate`. They print
 * results for a human on stdout (not logs); errors end the process with a message and status 1.
 */
import type { Kysely } from 'kysely';
import type { Logger } from '@honeyproxy/common';
import type { AnalyzerConfig } from './config.js';
import { createDatabase, ensureDatabaseExists } from './db/create-database.js';
import type { Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import {
  createUserStore,
  generatePassword,
  ROLES,
  UserStoreError,
  type Role,
} from './users/user-store.js';

/** A command line that does not make sense; the message says how to use it. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A well-formed command that could not be done (unknown user, duplicate, weak password…). */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

export const USAGE = `Usage:
  honeyproxy-analyzer [serve] [options]          run ingest, API and GUI
  honeyproxy-analyzer migrate [options]          apply database migrations and exit
  honeyproxy-analyzer user add NAME [--role admin|viewer] [--password P]
                                                 add a user (password from --password, stdin, or generated)
  honeyproxy-analyzer user list                  list users
  honeyproxy-analyzer user remove NAME           remove a user
`;

/** Flags of the user commands, which are not settings. */
export interface CommandFlags {
  role?: string;
  password?: string;
}

/** Splits --role/--password (user commands) from the settings flags. */
export function extractCommandFlags(argv: readonly string[]): {
  flags: CommandFlags;
  rest: string[];
} {
  const flags: CommandFlags = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const m = /^--(role|password)(?:=(.*))?$/.exec(arg);
    if (!m) {
      rest.push(arg);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${m[1]} needs a value`);
    flags[m[1] as keyof CommandFlags] = value;
  }
  return { flags, rest };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

export async function runUserCommand(
  config: AnalyzerConfig,
  args: readonly string[],
  flags: CommandFlags,
): Promise<void> {
  const [sub, name, ...extra] = args;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const users = createUserStore(config.usersFile);
  try {
    switch (sub ?? '') {
      case 'add': {
        if (!name) throw new UsageError('user add needs a NAME');
        const role = (flags.role ?? 'viewer') as Role;
        if (!ROLES.includes(role))
          throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
        let password = flags.password;
        let generated = false;
        if (password === undefined && !process.stdin.isTTY) password = await readStdin();
        if (password === undefined || password === '') {
          password = generatePassword();
          generated = true;
        }
        await users.add(name, password, role);
        out(`added ${role} "${name}" to ${users.file}`);
        if (generated) out(`password (shown only now): ${password}`);
        return;
      }
      case 'list':
        for (const u of await users.list()) out(`${u.name}\t${u.role}`);
        return;
      case 'remove':
        if (!name) throw new UsageError('user remove needs a NAME');
        if (!(await users.remove(name))) throw new CommandError(`no user "${name}"`);
        out(`removed "${name}"`);
        return;
      default:
        throw new UsageError(`unknown user command "${sub ?? ''}" (add, list, remove)`);
    }
  } catch (err) {
    if (err instanceof UserStoreError) throw new CommandError(err.message);
    throw err;
  }
}

export async function runMigrateCommand(config: AnalyzerConfig, log: Logger): Promise<void> {
  await ensureDatabaseExists(config.databaseUrl, log);
  const db: Kysely<Database> = createDatabase(config.databaseUrl, { log, max: 1 });
  try {
    const applied = await migrateToLatest(db, log);
    out(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database schema is up to date');
  } finally {
    await db.destroy();
  }
}
