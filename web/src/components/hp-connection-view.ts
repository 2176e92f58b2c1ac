/**
 * The Connection tab: timings, client and server addresses, how the sensor saw the flow, TLS on
 * both sides with the upstream certificate chain, and anomalies the sensor flagged.
 */
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { FlowRecord } from '@honeyproxy/protocol';
import { formatDateTime, formatDuration, hostPort } from '../util/format.js';
import { definitionListStyles, sectionStyles } from '../styles/detail-sections.js';
import { shared } from '../styles/shared.js';
import './hp-certificate.js';

type Row = [label: string, value: unknown, mono?: boolean];

@customElement('hp-connection-view')
export class HpConnectionView extends LitElement {
  static override styles = [
    shared,
    sectionStyles,
    definitionListStyles,
    css`
      :host {
        display: block;
      }
      .warn {
        color: var(--hp-status-client);
        font-weight: 500;
      }
      ul {
        margin: 0;
        padding-left: 18px;
      }
    `,
  ];

  @property({ attribute: false }) accessor flow: FlowRecord | null = null;

  override render() {
    const flow = this.flow;
    if (!flow) return nothing;
    const { ts, client, server, tls } = flow;
    const offset = (t: number | undefined) =>
      t === undefined ? undefined : `+${formatDuration(t - ts.start)}`;
    const upstream = tls?.upstream;
    return html`
      ${this.section('Timing', [
        ['Started', formatDateTime(ts.start)],
        ['Request sent', offset(ts.requestEnd)],
        ['Response started', offset(ts.responseStart)],
        ['Finished', offset(ts.end)],
      ])}
      ${this.section('Addresses', [
        ['Client', hostPort(client.ip, client.port), true],
        ['Server', hostPort(server.ip, server.port), true],
        ['Host (as requested)', server.host, true],
        ['SNI', server.sni, true],
        [
          'Host check',
          server.hostMismatch === undefined
            ? undefined
            : server.hostMismatch
              ? html`<span class="warn">Destination is not among the host's DNS addresses</span>`
              : 'Destination matches the host name',
        ],
        ['Capture mode', flow.mode],
        ['Sensor', flow.sensorId, true],
      ])}
      ${
        tls
          ? this.section('TLS (client ↔ sensor)', [
              ['Version', tls.version],
              ['Cipher', tls.cipher, true],
              ['ALPN', tls.alpn, true],
              ['JA3', tls.ja3, true],
              ['JA4', tls.ja4, true],
            ])
          : nothing
      }
      ${
        upstream
          ? html`${this.section('TLS (sensor ↔ server)', [
              ['Version', upstream.version],
              ['Cipher', upstream.cipher, true],
              ['ALPN', upstream.alpn, true],
              [
                'Chain verified',
                upstream.authorized
                  ? 'Yes'
                  : html`<span class="warn"
                      >No${upstream.authorizationError ? ` — ${upstream.authorizationError}` : ''}</span
                    >`,
              ],
            ])}
            ${
              upstream.certificates.length > 0
                ? html`<section>
                    <h3>Upstream certificate chain</h3>
                    ${upstream.certificates.map(
                      (cert, i) =>
                        html`<hp-certificate
                          .cert=${cert}
                          label=${i === 0 ? 'Leaf' : `#${i + 1}`}
                        ></hp-certificate>`,
                    )}
                  </section>`
                : nothing
            }`
          : nothing
      }
      ${
        flow.anomalies.length > 0
          ? html`<section>
              <h3>Anomalies</h3>
              <ul class="mono">
                ${flow.anomalies.map((a) => html`<li>${a}</li>`)}
              </ul>
            </section>`
          : nothing
      }
    `;
  }

  private section(title: string, rows: readonly Row[]): TemplateResult {
    const present = rows.filter(([, value]) => value !== undefined && value !== '');
    return html`<section>
      <h3>${title}</h3>
      <dl>
        ${present.map(
          ([label, value, mono]) =>
            html`<dt>${label}</dt>
              <dd class=${mono ? 'mono' : ''}>${value}</dd>`,
        )}
      </dl>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-connection-view': HpConnectionView;
  }
}
