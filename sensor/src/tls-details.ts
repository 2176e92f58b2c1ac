/**
 * TLS facts of both sides of a flow, read from Node sockets: what the client negotiated with the
 * sensor (version, cipher, ALPN, JA3/JA4) and what the real server presented to the sensor
 * (certificate chain, version, cipher, whether it verified). Results are cached per socket, and
 * parsed certificates per fingerprint, because keep-alive connections carry many flows.
 */
import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket, PeerCertificate, DetailedPeerCertificate } from 'node:tls';
import { LIMITS, type Certificate, type FlowTls, type UpstreamTls } from '@honeyproxy/protocol';
import { tlsMetadataOf } from './mockttp-internals.js';

export function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

/** Client-side TLS of a flow, plus the SNI the client sent. */
export interface ClientTls {
  readonly tls: FlowTls;
  readonly sni?: string;
}

const clientTlsCache = new WeakMap<object, ClientTls | null>();

function isTlsSocket(socket: Socket | undefined): socket is TLSSocket {
  return !!socket && (socket as Partial<TLSSocket>).encrypted === true;
}

/** The client ↔ sensor TLS of a request's socket; null for plain HTTP. */
export function clientTlsOf(socket: Socket | undefined): ClientTls | null {
  if (!socket) return null;
  const cached = clientTlsCache.get(socket);
  if (cached !== undefined) return cached;
  let result: ClientTls | null = null;
  if (isTlsSocket(socket)) {
    const meta = tlsMetadataOf(socket);
    const version = socket.getProtocol();
    const cipher = socket.getCipher()?.name;
    const alpn = socket.alpnProtocol;
    const sni =
      meta?.sniHostname ?? (typeof socket.servername === 'string' ? socket.servername : undefined);
    const max = LIMITS.tlsFieldLen;
    result = {
      tls: {
        ...(version && { version: clip(version, max) }),
        ...(cipher && { cipher: clip(cipher, max) }),
        ...(alpn && { alpn: clip(alpn, max) }),
        ...(meta?.ja3Fingerprint && { ja3: clip(meta.ja3Fingerprint, max) }),
        ...(meta?.ja4Fingerprint && { ja4: clip(meta.ja4Fingerprint, max) }),
      },
      ...(sni && { sni: clip(sni, LIMITS.hostLen) }),
    };
  }
  clientTlsCache.set(socket, result);
  return result;
}

// ---- upstream ------------------------------------------------------------------------------

const CERT_CACHE_MAX = 512;
const certCache = new Map<string, Certificate>();

function isoDate(text: string): string {
  const ms = Date.parse(text);
  return clip(Number.isNaN(ms) ? text : new Date(ms).toISOString(), 64);
}

function sans(altNames: string | undefined): string[] {
  if (!altNames) return [];
  return altNames
    .split(', ')
    .slice(0, LIMITS.certSans)
    .map((name) => clip(name.replace(/^IP Address:/, 'IP:'), LIMITS.hostLen));
}

/** A DER certificate as the wire describes it (cached by fingerprint). */
export function describeCertificate(der: Buffer): Certificate {
  const x509 = new X509Certificate(der);
  const sha256 = x509.fingerprint256;
  const hit = certCache.get(sha256);
  if (hit) return hit;
  const pem = x509.toString();
  const cert: Certificate = {
    subject: clip(x509.subject.replace(/\n/g, ', '), LIMITS.certTextLen),
    issuer: clip(x509.issuer.replace(/\n/g, ', '), LIMITS.certTextLen),
    san: sans(x509.subjectAltName),
    serialNumber: clip(x509.serialNumber, LIMITS.tlsFieldLen),
    notBefore: isoDate(x509.validFrom),
    notAfter: isoDate(x509.validTo),
    sha256,
    pem: pem.length <= LIMITS.pemLen ? pem : '',
  };
  if (certCache.size >= CERT_CACHE_MAX) {
    const oldest = certCache.keys().next().value;
    if (oldest !== undefined) certCache.delete(oldest);
  }
  certCache.set(sha256, cert);
  return cert;
}

/** The peer's chain, leaf first, stopping at a self-signed certificate or a repeat. */
function peerChain(leaf: PeerCertificate | DetailedPeerCertificate): Certificate[] {
  const chain: Certificate[] = [];
  const seen = new Set<string>();
  let current: DetailedPeerCertificate | undefined = leaf as DetailedPeerCertificate;
  while (current?.raw && chain.length < LIMITS.certs) {
    const cert = describeCertificate(current.raw);
    if (seen.has(cert.sha256)) break;
    seen.add(cert.sha256);
    chain.push(cert);
    current = current.issuerCertificate;
  }
  return chain;
}

/** What the real server's TLS looked like, read once the handshake is done. */
export function upstreamTlsOf(socket: TLSSocket): UpstreamTls {
  const max = LIMITS.tlsFieldLen;
  const version = socket.getProtocol();
  const cipher = socket.getCipher()?.name;
  const alpn = socket.alpnProtocol;
  // Node types say Error, but with rejectUnauthorized:false it holds the OpenSSL code string
  const authError = socket.authorizationError as unknown;
  let certificates: Certificate[] = [];
  try {
    certificates = peerChain(socket.getPeerCertificate(true));
  } catch {
    // an unparsable certificate from a hostile server: record the connection without a chain
  }
  return {
    ...(version && { version: clip(version, max) }),
    ...(cipher && { cipher: clip(cipher, max) }),
    ...(alpn && { alpn: clip(alpn, max) }),
    authorized: socket.authorized,
    ...(authError !== undefined &&
      authError !== null && {
        authorizationError: clip(
          authError instanceof Error
            ? authError.message
            : typeof authError === 'string'
              ? authError
              : 'unknown',
          max,
        ),
      }),
    certificates,
  };
}
