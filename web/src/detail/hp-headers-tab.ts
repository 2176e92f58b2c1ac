/**
 * Headers tab: the request's and the response's start line and headers exactly in wire order,
 * duplicates and odd capitalisation kept, each with a copy button, and "copy all" as HTTP text.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { FlowRecord, HeaderPairs } from '@honeyproxy/protocol';
import { shared } from '../styles/shared.js';
import { statusClass } from '../util/format.js';
import { detailStyles } from './detail-styles.js';
import { requestHead, responseHead } from './model/http-text.js';
import './hp-copy-button.js';

@customElement('hp-headers-tab')
export class HpHeadersTab extends LitElement {
  static override styles = [
    shared,
    detailStyles,
    css`
      .start {
        font-family: var(--hp-mono);
        font-size: var(--hp-mono-size);
        padding: var(--hp-space-2) var(--hp-space-3);
        background: var(--hp-surface);
        border: 1px solid var(--hp-border);
        border-bottom: none;
        border-radius: var(--hp-radius) var(--hp-radius) 0 0;
        overflow-wrap: anywhere;
      }
      .start + table.grid {
        border-radius: 0 0 var(--hp-radius) var(--hp-radius);
      }
      td.name {
        width: 32%;
        font-family: var(--hp-mono);
        font-size: var(--hp-mono-size);
        color: var(--hp-muted);
        font-weight: 500;
      }
      td.value {
        font-family: var(--hp-mono);
        font-size: var(--hp-mono-size);
      }
      td.act {
        width: 76px; /* fits "Copied" */
        text-align: right;
      }
      tr.dup td.name {
        color: var(--hp-status-client);
      }
      .method {
        font-weight: 700;
      }
    `,
  ];

  @property({ attribute: false }) accessor flow: FlowRecord | null = null;

  override render() {
    const flow = this.flow;
    if (!flow) return nothing;
    const { request, response } = flow;
    return html`
      <section>
        <h3>
          Request headers <span class="badge">${request.headers.length}</span
          ><span class="spacer"></span>
          <hp-copy-button label="Copy request head" .value=${requestHead(flow)}></hp-copy-button>
        </h3>
        <div class="start">
          <span class="method">${request.method}</span> ${request.url} HTTP/${request.httpVersion}
        </div>
        ${this.table(request.headers)}
      </section>
      <section>
        <h3>
          Response headers
          ${response ? html`<span class="badge">${response.headers.length}</span>` : nothing}<span
            class="spacer"
          ></span>
          ${response ? html`<hp-copy-button label="Copy response head" .value=${responseHead(flow) ?? ''}></hp-copy-button>` : nothing}
        </h3>
        ${
          response
            ? html`<div class="start">
                  HTTP/${response.httpVersion}
                  <span class="${statusClass(response.status)} method">${response.status}</span>
                  ${response.reason}
                </div>
                ${this.table(response.headers)}`
            : html`<p class="empty">
                No response was
                received${flow.error ? ` (${flow.error.kind}: ${flow.error.message})` : ''}.
              </p>`
        }
      </section>
    `;
  }

  private table(headers: HeaderPairs) {
    if (headers.length === 0)
      return html`<table class="grid">
        <tbody>
          <tr>
            <td class="empty">No headers</td>
          </tr>
        </tbody>
      </table>`;
    const counts = new Map<string, number>();
    for (const [name] of headers)
      counts.set(name.toLowerCase(), (counts.get(name.toLowerCase()) ?? 0) + 1);
    return html`<table class="grid">
      <tbody>
        ${headers.map(
          ([name, value]) =>
            html`<tr class=${(counts.get(name.toLowerCase()) ?? 0) > 1 ? 'dup' : ''}>
              <td class="name">${name}</td>
              <td class="value">${value}</td>
              <td class="act">
                <hp-copy-button label="Copy ${name}" .value=${value}></hp-copy-button>
              </td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-headers-tab': HpHeadersTab;
  }
}
