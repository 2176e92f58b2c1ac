/**
 * A JSON value as a collapsible tree (objects and arrays as <details>, first two levels open),
 * keys and strings bound as text. At most NODE_MAX nodes are drawn; the rest is counted.
 */
import { LitElement, css, html, type TemplateResult } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { shared } from '../styles/shared.js';

const NODE_MAX = 3000;

@customElement('hp-json-tree')
export class HpJsonTree extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
        font-family: var(--hp-mono);
        font-size: var(--hp-mono-size);
        line-height: 1.6;
        padding: var(--hp-space-2) var(--hp-space-3);
        background: var(--hp-surface);
        border: 1px solid var(--hp-border);
        border-radius: var(--hp-radius);
        overflow-wrap: anywhere;
      }
      details > div {
        padding-left: 18px;
        border-left: 1px dotted var(--hp-border-strong);
        margin-left: 4px;
      }
      summary {
        cursor: pointer;
        list-style-position: outside;
      }
      .k {
        color: var(--hp-accent);
      }
      .s {
        color: var(--hp-status-ok);
      }
      .n {
        color: var(--hp-status-client);
      }
      .l {
        color: var(--hp-status-redirect);
      }
      .c {
        color: var(--hp-faint);
      }
    `,
  ];

  @property({ attribute: false }) accessor value: unknown = null;
  #budget = 0;

  override render() {
    this.#budget = NODE_MAX;
    return this.node(null, this.value, 0);
  }

  private node(key: string | null, value: unknown, depth: number): TemplateResult {
    this.#budget--;
    const label = key === null ? html`` : html`<span class="k">${JSON.stringify(key)}</span>: `;
    if (value === null || typeof value !== 'object') {
      const cls = typeof value === 'string' ? 's' : typeof value === 'number' ? 'n' : 'l';
      return html`<div>${label}<span class=${cls}>${JSON.stringify(value)}</span></div>`;
    }
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [String(i), v])
      : Object.entries(value);
    const open = Array.isArray(value) ? '[' : '{';
    const close = Array.isArray(value) ? ']' : '}';
    const children: TemplateResult[] = [];
    let hidden = 0;
    for (const [k, v] of entries) {
      if (this.#budget <= 0) hidden++;
      else children.push(this.node(Array.isArray(value) ? null : k, v, depth + 1));
    }
    return html`<details ?open=${depth < 2}>
      <summary>
        ${label}${open}<span class="c">
          ${entries.length} ${Array.isArray(value) ? 'items' : 'keys'} </span
        >${close}
      </summary>
      <div>${children}${hidden ? html`<div class="c">… ${hidden} more not shown</div>` : ''}</div>
    </details>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-json-tree': HpJsonTree;
  }
}
