/**
 * Details tab: everything about the flow that is not a header or a body — the URL broken into its
 * parts, timings as a waterfall, who talked to whom (client, sensor, original destination vs the
 * Host the client named, with the sensor's mismatch flag), TLS on both legs with JA3/JA4, the
 * server's certificate chain, hashes of both bodies, anomalies and the error.
 */
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { headerValue, type FlowRecord } from '@honeyproxy/protocol';
import { shared } from '../styles/shared.js';
import { hostPort } from '../util/format.js';
import type { BodySource } from '../state/body-source.js';
import { detailStyles } from './detail-styles.js';
import { urlParts } from './model/url-parts.js';
import './hp-body-hashes.js';
import './hp-certificate-card.js';
import './hp-copy-button.js';
import './hp-timing-waterfall.js';

type Row = [label: string, value: unknown, options?: { mono?: boolean; copy?: boolean }];

@customElement('hp-details-tab')
export class HpDetailsTab extends LitElement {
  static override styles = [
    shared,
    detailStyles,
    css`
      ul {
        margin: 0;
        padding-left: 18px;
      }
    `,
  ];

  @property({ attribute: false }) accessor flow: FlowRecord | null = null;
  @property({ attribute: false }) accessor source: BodySource | null = null;
  @property({ attribute: false }) accessor rev = 0;

  override render() {
    const flow = this.flow;
    if (!flow) return nothing;
    const { client, server, tls } = flow;
    const parts = urlParts(flow.request.url);
    const hostHeader = headerValue(flow.request.headers, 'host');
    const upstream = tls?.upstream;
    return html`
      ${flow.error ? html`<div class="notice error"><strong>${flow.error.kind}</strong>${flow.error.code ? html` <span class="mono">${flow.error.code}</span>` : nothing} — ${flow.error.message}</div>` : nothing}
      ${this.section(
        'URL',
        parts
          ? [
              ['Full URL', flow.request.url, { mono: true, copy: true }],
              ['Scheme', parts.scheme],
              ['Host', parts.host, { mono: true }],
              ['Port', parts.port || '(default)'],
              ['Path', parts.path, { mono: true, copy: true }],
              ['Query', parts.query || undefined, { mono: true, copy: true }],
              ['Fragment', parts.fragment || undefined, { mono: true }],
              ['User', parts.username || undefined, { mono: true }],
              ['Password', parts.password || undefined, { mono: true }],
            ]
          : [['URL (unparseable)', flow.request.url, { mono: true, copy: true }]],
      )}
      <section>
        <h3>Timing</h3>
        <hp-timing-waterfall .flow=${flow}></hp-timing-waterfall>
      </section>
      ${this.section('Connection', [
        ['Client', hostPort(client.ip, client.port), { mono: true, copy: true }],
        ['Sensor', flow.sensorId, { mono: true }],
        ['Capture mode', flow.mode],
        ['Original destination', hostPort(server.ip, server.port), { mono: true, copy: true }],
        ['Host (client said)', server.host, { mono: true }],
        ['Host header', hostHeader, { mono: true }],
        ['SNI', server.sni, { mono: true }],
        [
          'Destination check',
          server.hostMismatch === undefined
            ? undefined
            : server.hostMismatch
              ? html`<span class="badge bad">mismatch</span> the address connected to is not among
                  the DNS addresses of the Host`
              : html`<span class="badge ok">match</span> the destination is an address of the Host`,
        ],
      ])}
      ${
        tls
          ? this.section('TLS: client ↔ sensor', [
              ['Version', tls.version],
              ['Cipher', tls.cipher, { mono: true }],
              ['SNI', server.sni, { mono: true }],
              ['ALPN', tls.alpn, { mono: true }],
              ['JA3', tls.ja3, { mono: true, copy: true }],
              ['JA4', tls.ja4, { mono: true, copy: true }],
            ])
          : nothing
      }
      ${
        upstream
          ? this.section('TLS: sensor ↔ server', [
              ['Version', upstream.version],
              ['Cipher', upstream.cipher, { mono: true }],
              ['ALPN', upstream.alpn, { mono: true }],
              [
                'Chain verified',
                upstream.authorized
                  ? html`<span class="badge ok">yes</span>`
                  : html`<span class="badge warn">no</span> ${upstream.authorizationError ?? ''}`,
              ],
            ])
          : nothing
      }
      ${
        upstream && upstream.certificates.length > 0
          ? html`<section>
              <h3>
                Server certificate chain <span class="badge">${upstream.certificates.length}</span>
              </h3>
              ${upstream.certificates.map(
                (cert, i) =>
                  html`<hp-certificate-card
                    .cert=${cert}
                    .at=${flow.ts.start}
                    label=${i === 0 ? 'Leaf' : `Chain #${i + 1}`}
                  ></hp-certificate-card>`,
              )}
            </section>`
          : nothing
      }
      ${(['request', 'response'] as const).map((side) =>
        flow[side]?.body
          ? html`<section>
              <h3>${side === 'request' ? 'Request' : 'Response'} body</h3>
              <hp-body-hashes .source=${this.source} side=${side} .rev=${this.rev}></hp-body-hashes>
            </section>`
          : nothing,
      )}
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
      <dl class="kv">
        ${present.map(
          ([label, value, o]) =>
            html`<dt>${label}</dt>
              <dd>
                <span class="v ${o?.mono ? 'mono' : ''}">${value}</span>
                ${o?.copy && typeof value === 'string' ? html`<hp-copy-button label="Copy ${label}" .value=${value}></hp-copy-button>` : nothing}
              </dd>`,
        )}
      </dl>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-details-tab': HpDetailsTab;
  }
}
