/**
 * The Request or Response tab: start line, headers in wire order, then the body.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { headerValue, type FlowRecord } from '@honeyproxy/protocol';
import type { BodySide } from '../api/paths.js';
import type { BodyView } from '../state/body-view.js';
import { statusClass } from '../util/format.js';
import { sectionStyles } from '../styles/detail-sections.js';
import { shared } from '../styles/shared.js';
import './hp-headers-table.js';
import './hp-body-view.js';

@customElement('hp-message-view')
export class HpMessageView extends LitElement {
  static override styles = [
    shared,
    sectionStyles,
    css`
      :host {
        display: block;
      }
      .start-line {
        font-family: var(--hp-mono);
        font-size: var(--hp-mono-size);
        padding: var(--hp-space-2) var(--hp-space-3);
        background: var(--hp-surface);
        border: 1px solid var(--hp-border);
        border-radius: var(--hp-radius);
        overflow-wrap: anywhere;
      }
      .headers {
        border: 1px solid var(--hp-border);
        border-radius: var(--hp-radius);
        overflow: hidden;
      }
    `,
  ];

  @property({ attribute: false }) accessor flow: FlowRecord | null = null;
  @property() accessor side: BodySide = 'request';
  @property({ attribute: false }) accessor body: BodyView | undefined = undefined;

  override render() {
    const flow = this.flow;
    if (!flow) return html``;
    if (this.side === 'request') {
      const { request } = flow;
      return this.renderMessage(
        html`<span class="method">${request.method}</span> ${request.url}
          HTTP/${request.httpVersion}`,
        request.headers,
        request.body,
      );
    }
    const { response } = flow;
    if (!response) {
      return html`<p class="muted">
        No response was received${flow.error ? ` (${flow.error.kind})` : ''}.
      </p>`;
    }
    return this.renderMessage(
      html`HTTP/${response.httpVersion}
        <span class=${statusClass(response.status)}>${response.status}</span> ${response.reason}`,
      response.headers,
      response.body,
    );
  }

  private renderMessage(
    startLine: unknown,
    headers: FlowRecord['request']['headers'],
    body: FlowRecord['request']['body'],
  ) {
    return html`
      <section>
        <div class="start-line">${startLine}</div>
      </section>
      <section>
        <h3>Headers (${headers.length})</h3>
        <div class="headers"><hp-headers-table .headers=${headers}></hp-headers-table></div>
      </section>
      <section>
        <h3>Body</h3>
        <hp-body-view
          .meta=${body}
          .view=${this.body}
          .flowId=${this.flow?.flowId ?? ''}
          .side=${this.side}
          .encoding=${headerValue(headers, 'content-encoding')}
        ></hp-body-view>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-message-view': HpMessageView;
  }
}
