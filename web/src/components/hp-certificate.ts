/**
 * One certificate of the upstream server's chain: subject, issuer, names, validity, fingerprint and
 * (folded) the PEM. All fields are as the upstream server sent them: attacker-controlled text.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Certificate } from '@honeyproxy/protocol';
import { definitionListStyles } from '../styles/detail-sections.js';
import { shared } from '../styles/shared.js';

const SAN_SHOWN = 20;

@customElement('hp-certificate')
export class HpCertificate extends LitElement {
  static override styles = [
    shared,
    definitionListStyles,
    css`
      :host {
        display: block;
        border: 1px solid var(--hp-border);
        border-radius: var(--hp-radius);
        padding: var(--hp-space-2) var(--hp-space-3);
        margin-bottom: var(--hp-space-2);
      }
      .title {
        font-weight: 600;
        margin-bottom: var(--hp-space-1);
        overflow-wrap: anywhere;
      }
      dl {
        grid-template-columns: 110px 1fr;
        row-gap: 2px;
      }
      summary {
        cursor: pointer;
        color: var(--hp-accent);
        margin-top: var(--hp-space-1);
      }
      pre {
        font-family: var(--hp-mono);
        font-size: 11px;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        margin: var(--hp-space-1) 0 0;
      }
    `,
  ];

  @property({ attribute: false }) accessor cert: Certificate | null = null;
  @property() accessor label = '';

  override render() {
    const cert = this.cert;
    if (!cert) return nothing;
    const sans = cert.san.slice(0, SAN_SHOWN);
    return html`
      <div class="title">
        ${this.label ? html`<span class="muted">${this.label} · </span>` : nothing}${cert.subject}
      </div>
      <dl>
        <dt>Issuer</dt>
        <dd>${cert.issuer}</dd>
        ${
          cert.san.length > 0
            ? html`<dt>Names</dt>
                <dd class="mono">
                  ${sans.join(', ')}${cert.san.length > SAN_SHOWN ? ` … and ${cert.san.length - SAN_SHOWN} more` : ''}
                </dd>`
            : nothing
        }
        <dt>Valid</dt>
        <dd>${cert.notBefore} — ${cert.notAfter}</dd>
        <dt>Serial</dt>
        <dd class="mono">${cert.serialNumber}</dd>
        <dt>SHA-256</dt>
        <dd class="mono">${cert.sha256}</dd>
      </dl>
      <details>
        <summary>PEM</summary>
        <pre>${cert.pem}</pre>
      </details>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-certificate': HpCertificate;
  }
}
