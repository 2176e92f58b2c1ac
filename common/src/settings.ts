/**
 * Settings from command-line flags and HONEYPROXY_* variables, declared once per service in its
 * config.ts. Every setting has a flag, a variable, a default and a description, so `--help` and the
 * README table come from the same declaration. A bad value stops the start with every bad setting
 * named at once, not the first.
 */

export interface Setting<T> {
  /** Long flag without dashes: 'proxy-port' → --proxy-port. */
  readonly flag: string;
  /** Environment variable. */
  readonly env: string;
  readonly description: string;
  /** Default when neither flag nor variable is given; undefined = optional, no default. */
  readonly default: T | undefined;
  /** Shown in help instead of the default's string form. */
  readonly defaultText?: string;
  /** Parses the raw text; throws Error with a human message on a bad value. */
  readonly parse: (raw: string) => T;
  /** Boolean flags take no value on the command line. */
  readonly boolean?: boolean;
}

export type SettingDefs = Record<string, Setting<unknown>>;

export type SettingValues<D extends SettingDefs> = {
  // the value type comes from the parser (a default like 'info' would widen to string)
  readonly [K in keyof D]: D[K] extends { parse: (raw: string) => infer T }
    ? D[K]['default'] extends undefined
      ? T | undefined
      : T
    : never;
};

/** Thrown when settings are invalid; the message lists every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

export interface SettingSource {
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
}

/** The result of reading settings: values, plus leftover positional arguments and --help. */
export interface LoadedSettings<D extends SettingDefs> {
  values: SettingValues<D>;
  positionals: string[];
  help: boolean;
}

function findDef(defs: SettingDefs, flag: string): [string, Setting<unknown>] | undefined {
  for (const [key, def] of Object.entries(defs)) if (def.flag === flag) return [key, def];
  return undefined;
}

/** Reads flags (which win) and variables for `defs`. Throws ConfigError naming every bad one. */
export function loadSettings<D extends SettingDefs>(
  defs: D,
  source: SettingSource = {},
): LoadedSettings<D> {
  const argv = source.argv ?? [];
  const env = source.env ?? {};
  const raw = new Map<string, { text: string; origin: string }>();
  const problems: string[] = [];
  const positionals: string[] = [];
  let help = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.slice(2, eq === -1 ? undefined : eq);
    const found = findDef(defs, flag);
    if (!found) {
      problems.push(`unknown option --${flag}`);
      continue;
    }
    const [key, def] = found;
    let text: string | undefined;
    if (eq !== -1) text = arg.slice(eq + 1);
    else if (def.boolean) text = 'true';
    else {
      text = argv[i + 1];
      i++;
    }
    if (text === undefined) problems.push(`--${flag} needs a value`);
    else raw.set(key, { text, origin: `--${flag}` });
  }

  const values: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(defs)) {
    const given =
      raw.get(key) ??
      (env[def.env] !== undefined && env[def.env] !== ''
        ? { text: env[def.env] ?? '', origin: def.env }
        : undefined);
    if (!given) {
      values[key] = def.default;
      continue;
    }
    try {
      values[key] = def.parse(given.text);
    } catch (err) {
      problems.push(
        `${given.origin}=${JSON.stringify(given.text)}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { values: Object.freeze(values) as SettingValues<D>, positionals, help };
}

function defaultText(d: Setting<unknown>): string {
  if (d.defaultText !== undefined) return d.defaultText;
  if (d.default === undefined) return '';
  const value: unknown = d.default;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);
}

/** `--help` text: one line per setting with flag, variable and default. */
export function settingsHelp(defs: SettingDefs): string {
  const rows = Object.values(defs).map((d) => {
    const flag = `--${d.flag}${d.boolean ? '' : ' <value>'}`;
    const def = defaultText(d) || '(none)';
    return `  ${flag.padEnd(30)} ${d.description}\n  ${''.padEnd(30)} env ${d.env}, default ${def}`;
  });
  return rows.join('\n');
}

/** A Markdown table of settings, for the README. */
export function settingsTable(defs: SettingDefs): string {
  const lines = ['| flag | variable | default | meaning |', '|---|---|---|---|'];
  for (const d of Object.values(defs)) {
    const def = defaultText(d);
    lines.push(
      `| \`--${d.flag}\` | \`${d.env}\` | ${def ? `\`${def}\`` : '—'} | ${d.description} |`,
    );
  }
  return lines.join('\n');
}

// ---- parsers ---------------------------------------------------------------------------------

export function parsePort(raw: string): number {
  if (!/^\d{1,5}$/.test(raw)) throw new Error('not a port number');
  const n = Number(raw);
  if (n < 0 || n > 65535) throw new Error('port out of range 0-65535');
  return n;
}

/** Where a small HTTP endpoint (e.g. /metrics) listens. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** 'host:port', '[::1]:port' or 'off' (undefined), as both services' --metrics-listen take it. */
export function parseListenAddress(raw: string): ListenAddress | undefined {
  if (/^(off|no|false|0)$/i.test(raw)) return undefined;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(raw.trim());
  if (!m) throw new Error('expected host:port (e.g. 127.0.0.1:9464) or off');
  return { host: m[1] ?? m[2] ?? '', port: parsePort(m[3] ?? '') };
}

export function parseInteger(min: number, max: number): (raw: string) => number {
  return (raw) => {
    if (!/^-?\d+$/.test(raw)) throw new Error('not an integer');
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`out of range ${min}-${max}`);
    return n;
  };
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** '64MiB', '512k', '1048576' → bytes (binary units). */
export function parseBytes(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(raw.trim());
  const unit = m ? UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new Error('not a size (e.g. 64MiB, 512KiB, 1048576)');
  return Math.floor(Number(m[1]) * unit);
}

export function parseBoolean(raw: string): boolean {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error('not a boolean (true/false)');
}

export function parseString(raw: string): string {
  if (raw.length === 0) throw new Error('must not be empty');
  return raw;
}

export function parseUrl(protocols: readonly string[]): (raw: string) => string {
  return (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Error('not a URL');
    }
    if (!protocols.includes(url.protocol))
      throw new Error(`URL must use ${protocols.join(' or ')}`);
    return raw;
  };
}

/** Comma-separated URLs (NATS accepts several servers). */
export function parseUrlList(protocols: readonly string[]): (raw: string) => string[] {
  const one = parseUrl(protocols);
  return (raw) => raw.split(',').map((s) => one(s.trim()));
}

export function parseEnum<T extends string>(choices: readonly T[]): (raw: string) => T {
  return (raw) => {
    if ((choices as readonly string[]).includes(raw)) return raw as T;
    throw new Error(`must be one of ${choices.join(', ')}`);
  };
}

/** NATS-subject-safe identifiers (sensor ids). */
export function parseIdentifier(raw: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw)) throw new Error('use 1-64 letters, digits, - or _');
  return raw;
}
