/**
 * Header pairs exactly as they crossed the wire: original order, original case, duplicates kept.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { shared } from '../styles/shared.js';

@customElement('hp-headers-table')
export class HpHeadersTable extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        font-family: var(--hp-mono);
        font-size: var(--hp-mono-size);
        line-height: 1.45;
      }
      td {
        padding: 2px var(--hp-space-2);
        vertical-align: top;
        border-bottom: 1px solid var(--hp-border);
      }
      tr:last-child td {
        border-bottom: none;
      }
      td.name {
        width: 1%;
        max-width: 260px;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
        color: var(--hp-muted);
        font-weight: 600;
      }
      td.value {
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      .empty {
        padding: var(--hp-space-1) var(--hp-space-2);
      }
    `,
  ];

  @property({ attribute: false }) accessor headers: readonly (readonly [string, string])[] = [];

  override render() {
    if (this.headers.length === 0) return html`<div class="empty muted">No headers</div>`;
    return html`<table>
      <tbody>
        ${this.headers.map(
          ([name, value]) =>
            html`<tr>
              <td class="name" title=${name}>${name}</td>
              <td class="value">${value}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-headers-table': HpHeadersTable;
  }
}
