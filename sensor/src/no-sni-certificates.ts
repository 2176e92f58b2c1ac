/**
 * Certificates for TLS clients that send no SNI — typically a honeypot connecting to an address
 * (https://203.0.113.7/), whose connection the gateway redirected. mockttp would answer with its
 * default 'localhost' certificate, which such a client rejects; the sensor mints one for the
 * destination instead: an IP SAN for an address (the original destination, or an explicit CONNECT
 * to an address), a DNS SAN for a CONNECT host name. Leaves are signed by the sensor's CA, share one
 * key (as mockttp's do) and are cached per name.
 *
 * Node calls a TLS server's SNI callback only when there is an SNI, so the hook sits one level
 * lower, where Node's own SNI handling sets the context of the handshake: the handle's certificate
 * callback (`oncertcb`) and its `sni_context`, as Node's loadSNI does. mockttp patches
 * TLSSocket#_init for the same callback; this wraps the result.
 */
import { createPrivateKey, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm | webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams;
const crypto = webcrypto;

const LEAF_ALGORITHM = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};
const LIFETIME_DAYS = 45;
const CACHE_MAX = 1000;

export interface NoSniCertificates {
  /** A TLS context whose certificate names `identity` (an address or a host name). */
  contextFor(identity: string): Promise<SecureContext>;
}

let leafKeys: Promise<CryptoKeyPair> | undefined;

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

async function importCaKey(keyPem: string): Promise<{ key: CryptoKey; algorithm: Algorithm }> {
  const key = createPrivateKey(keyPem);
  const der = key.export({ format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : 'P-521';
    const hash =
      namedCurve === 'P-256' ? 'SHA-256' : namedCurve === 'P-384' ? 'SHA-384' : 'SHA-512';
    return {
      key: await crypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve }, false, [
        'sign',
      ]),
      algorithm: { name: 'ECDSA', hash } as Algorithm,
    };
  }
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return {
    key: await crypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']),
    algorithm,
  };
}

export function createNoSniCertificates(ca: {
  readonly certPem: string;
  readonly keyPem: string;
}): NoSniCertificates {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = importCaKey(ca.keyPem);
  const cache = new Map<string, { context: Promise<SecureContext>; expires: number }>();

  const mint = async (identity: string): Promise<SecureContext> => {
    leafKeys ??= crypto.subtle.generateKey(LEAF_ALGORITHM, true, ['sign', 'verify']);
    const [keys, signer] = await Promise.all([leafKeys, caKey]);
    const notBefore = new Date(Date.now() - 24 * 3600 * 1000);
    const notAfter = new Date(notBefore.getTime() + LIFETIME_DAYS * 24 * 3600 * 1000);
    const ip = isIP(identity) !== 0;
    const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: Buffer.from(crypto.getRandomValues(new Uint8Array(16)))
        .toString('hex')
        .replace(/^[89a-f]/, '7'),
      subject: new x509.Name([{ C: ['XX'] }, { CN: [identity] }]),
      issuer: caCert.subjectName,
      notBefore,
      notAfter,
      signingAlgorithm: signer.algorithm,
      publicKey: keys.publicKey,
      signingKey: signer.key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension([{ type: ip ? 'ip' : 'dns', value: identity }]),
        caKeyId
          ? new x509.AuthorityKeyIdentifierExtension(caKeyId.keyId, false)
          : await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
      ],
    });
    const keyPem = toPem(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
    return createSecureContext({ key: keyPem, cert: cert.toString('pem'), ca: ca.certPem });
  };

  return {
    contextFor(identity) {
      const now = Date.now();
      const hit = cache.get(identity);
      if (hit && hit.expires > now) return hit.context;
      if (cache.size >= CACHE_MAX) {
        const oldest = cache.keys().next();
        if (!oldest.done) cache.delete(oldest.value);
      }
      const context = mint(identity);
      // renewed well before the leaf expires; a failure is not kept
      cache.set(identity, { context, expires: now + (LIFETIME_DAYS - 2) * 24 * 3600 * 1000 });
      context.catch(() => cache.delete(identity));
      return context;
    },
  };
}

/** Which sockets a sensor answers, and the name their certificate should carry. */
export interface NoSniHook {
  /** The name for a server TLS socket without SNI, or undefined (not ours, or nothing known). */
  identityOf(socket: TLSSocket): string | undefined;
  readonly certificates: NoSniCertificates;
}

const hooks = new Set<NoSniHook>();
let patched = false;

type CertCallback = (this: unknown, info: { servername?: string } | undefined) => unknown;

/**
 * Wraps a server TLS socket's certificate callback: without SNI, a hook that knows the socket sets
 * the handshake's context (Node's loadSNI does the same for SNI), then Node's handling goes on.
 */
function wrapCertCallback(socket: TLSSocket, handle: { oncertcb?: unknown }): void {
  const previous = handle.oncertcb as CertCallback;
  handle.oncertcb = function (this: unknown, info: { servername?: string } | undefined) {
    if (info && !info.servername) {
      for (const hook of hooks) {
        const identity = hook.identityOf(socket);
        if (identity === undefined) continue;
        hook.certificates.contextFor(identity).then(
          (context) => {
            const current = (socket as unknown as { _handle?: { sni_context?: unknown } })._handle;
            if (current) current.sni_context = (context as { context?: unknown }).context;
            previous.call(this, info);
          },
          () => previous.call(this, info),
        );
        return undefined;
      }
    }
    return previous.call(this, info);
  } satisfies CertCallback;
}

function patchTlsSockets(): void {
  if (patched) return;
  patched = true;
  const proto = TLSSocket.prototype as unknown as { _init: (...args: unknown[]) => unknown };
  const init = proto._init;
  proto._init = function (this: TLSSocket & { _handle?: { oncertcb?: unknown } }, ...args) {
    const result = init.apply(this, args);
    const handle = this._handle;
    if (hooks.size > 0 && handle && typeof handle.oncertcb === 'function') {
      wrapCertCallback(this, handle);
    }
    return result;
  };
}

/** Starts answering no-SNI handshakes for `hook`'s sockets; returns the undo. */
export function installNoSniCertificates(hook: NoSniHook): () => void {
  patchTlsSockets();
  hooks.add(hook);
  return () => hooks.delete(hook);
}
