/**
 * The interception CA: created on first run in the CA directory (ca.key mode 0600, ca.pem) and
 * reused on every later start, so honeypots that trust it keep trusting it. The same directory can
 * be copied to every sensor. Never overwrites half of an existing pair.
 */
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { generateCACertificate } from 'mockttp';

export interface SensorCa {
  readonly keyPem: string;
  readonly certPem: string;
  /** SHA-256 of the certificate, AA:BB:… form. */
  readonly sha256: string;
  readonly certPath: string;
  readonly keyPath: string;
}

export class CaError extends Error {
  override readonly name = 'CaError';
}

const WARN_BEFORE_EXPIRY_MS = 30 * 24 * 3600 * 1000;

/** SHA-256 fingerprint (AA:BB:…) of a PEM certificate. */
export function certificateSha256(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function readCa(keyPath: string, certPath: string, log: Logger): Promise<SensorCa> {
  const [keyPem, certPem, keyStat] = await Promise.all([
    readFile(keyPath, 'utf8'),
    readFile(certPath, 'utf8'),
    stat(keyPath),
  ]);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (cause) {
    throw new CaError(`${certPath} is not a PEM certificate`, { cause });
  }
  if (!cert.ca) throw new CaError(`${certPath} is not a CA certificate`);
  if ((keyStat.mode & 0o077) !== 0) {
    log.warn({ keyPath, mode: (keyStat.mode & 0o777).toString(8) }, 'CA key is readable by others');
  }
  const notAfter = new Date(cert.validTo).getTime();
  if (notAfter - Date.now() < WARN_BEFORE_EXPIRY_MS) {
    log.warn({ certPath, notAfter: cert.validTo }, 'CA certificate expires soon or has expired');
  }
  return { keyPem, certPem, sha256: cert.fingerprint256, certPath, keyPath };
}

/** Loads the CA from `dir`, creating it (and the directory) when neither file exists. */
export async function loadOrCreateCa(dir: string, log: Logger): Promise<SensorCa> {
  const keyPath = join(dir, 'ca.key');
  const certPath = join(dir, 'ca.pem');
  const [hasKey, hasCert] = await Promise.all([exists(keyPath), exists(certPath)]);
  if (hasKey && hasCert) return readCa(keyPath, certPath, log);
  if (hasKey !== hasCert) {
    throw new CaError(
      `${dir} holds only one of ca.key and ca.pem; restore the other or remove both`,
    );
  }

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { key, cert } = await generateCACertificate({
    subject: { commonName: 'HoneyProxy Sensor CA', organizationName: 'HoneyProxy' },
    bits: 2048,
  });
  // 'wx': never clobber a CA another process created meanwhile
  await writeFile(keyPath, key, { mode: 0o600, flag: 'wx' });
  await chmod(keyPath, 0o600); // mode is filtered by the umask; the key must not be group-readable
  await writeFile(certPath, cert, { mode: 0o644, flag: 'wx' });
  const sha256 = certificateSha256(cert);
  log.info({ certPath, sha256 }, 'created a new interception CA');
  return { keyPem: key, certPem: cert, sha256, certPath, keyPath };
}
