/**
 * One certificate of the server's chain as the sensor captured it: subject, issuer, SANs,
 * serial, validity (flagged when expired or not yet valid), SHA-256 (recorded) and SHA-1
 * (computed from the PEM) fingerprints, and the PEM to copy or download. The PEM is part of every
 * flow record (protocol Certificate.pem), so nothing is fetched.
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Certificate } from '@honeyproxy/protocol';
import { shared } from '../styles/shared.js';
import { formatDateTime } from '../util/format.js';
import { BlobUrlController } from '../visualizers/blob-url.js';
import { detailStyles } from './detail-styles.js';
import { sha1 } from './model/digests.js';
import { colonHex, pemToDer } from './model/pem.js';
import './hp-copy-button.js';

@customElement('hp-certificate-card')
export class HpCertificateCard extends LitElement {
  static override styles = [shared, detailStyles];

  @property({ attribute: false }) accessor cert: Certificate | null = null;
  @property() accessor label = '';
  /** The flow's start, to judge validity at capture time. */
  @property({ attribute: false }) accessor at = Date.now();
  readonly #pem = new BlobUrlController(this);

  override render() {
    const cert = this.cert;
    if (!cert) return nothing;
    const der = pemToDer(cert.pem);
    const sha1Print = der ? colonHex(sha1(der)) : undefined;
    const from = Date.parse(cert.notBefore);
    const to = Date.parse(cert.notAfter);
    const validity =
      Number.isNaN(from) || Number.isNaN(to)
        ? null
        : this.at < from
          ? 'not yet valid'
          : this.at > to
            ? 'expired'
            : 'valid';
    const pemBytes = new TextEncoder().encode(cert.pem);
    return html`<div class="card">
      <h4>${this.label}: <span class="mono">${cert.subject}</span></h4>
      <dl class="kv">
        <dt>Subject</dt>
        <dd><span class="v mono">${cert.subject}</span></dd>
        <dt>Issuer</dt>
        <dd>
          <span class="v mono">${cert.issuer}</span
          >${cert.issuer === cert.subject ? html`<span class="badge warn">self-signed</span>` : nothing}
        </dd>
        ${
          cert.san.length
            ? html`<dt>SANs</dt>
                <dd><span class="v mono">${cert.san.join(', ')}</span></dd>`
            : nothing
        }
        <dt>Serial</dt>
        <dd class="mono">${cert.serialNumber}</dd>
        <dt>Valid</dt>
        <dd>
          ${Number.isNaN(from) ? cert.notBefore : formatDateTime(from)} →
          ${Number.isNaN(to) ? cert.notAfter : formatDateTime(to)}
          ${validity ? html`<span class="badge ${validity === 'valid' ? 'ok' : 'bad'}">${validity} at capture</span>` : nothing}
        </dd>
        <dt>SHA-256</dt>
        <dd>
          <span class="v mono">${cert.sha256}</span
          ><hp-copy-button label="Copy SHA-256 fingerprint" .value=${cert.sha256}></hp-copy-button>
        </dd>
        ${
          sha1Print
            ? html`<dt>SHA-1</dt>
                <dd>
                  <span class="v mono">${sha1Print}</span
                  ><hp-copy-button
                    label="Copy SHA-1 fingerprint"
                    .value=${sha1Print}
                  ></hp-copy-button>
                </dd>`
            : nothing
        }
        <dt>PEM</dt>
        <dd>
          <a
            href=${this.#pem.for(pemBytes, 'application/x-pem-file')}
            download="certificate-${this.label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.pem"
            >Download PEM</a
          >
          <hp-copy-button label="Copy PEM" .value=${cert.pem}></hp-copy-button>
        </dd>
      </dl>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-certificate-card': HpCertificateCard;
  }
}
