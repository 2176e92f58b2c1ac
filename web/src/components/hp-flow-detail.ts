/**
 * The detail pane for the open flow: a header (method, URL, status, key facts), the error if the
 * flow failed, and the Request / Response / Connection tabs.
 *
 * @fires hp-tab - detail `{ tab }`: a tab was chosen.
 * @fires hp-close - the pane's close button was clicked (or Escape pressed).
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { headerValue, type FlowRecord } from '@honeyproxy/protocol';
import type { BodySide } from '../api/paths.js';
import type { DetailState } from '../state/app-state.js';
import type { BodyView } from '../state/body-view.js';
import { effectiveTab } from '../state/flow-detail.js';
import { DETAIL_TABS, type DetailTab } from '../state/route.js';
import { formatDateTime, formatDuration, formatSize, statusClass } from '../util/format.js';
import { shared } from '../styles/shared.js';
import { flowDetailStyles } from './hp-flow-detail.styles.js';
import './hp-message-view.js';
import './hp-connection-view.js';

const TAB_LABEL: Record<DetailTab, string> = {
  request: 'Request',
  response: 'Response',
  connection: 'Connection',
};

@customElement('hp-flow-detail')
export class HpFlowDetail extends LitElement {
  static override styles = [shared, flowDetailStyles];

  @property({ attribute: false }) accessor detail: DetailState = { state: 'none' };
  @property({ attribute: false }) accessor tab: DetailTab | null = null;
  @property({ attribute: false }) accessor bodies: Readonly<Partial<Record<BodySide, BodyView>>> =
    {};

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('keydown', this.onKeyDown);
  }

  override disconnectedCallback(): void {
    this.removeEventListener('keydown', this.onKeyDown);
    super.disconnectedCallback();
  }

  override render() {
    const detail = this.detail;
    switch (detail.state) {
      case 'none':
        return nothing;
      case 'loading':
        return html`${this.renderChrome(null)}
          <div class="body muted">Loading flow…</div>`;
      case 'error':
        return html`${this.renderChrome(null)}
          <div class="body"><div class="notice error">${detail.message}</div></div>`;
      case 'ready':
        return this.renderFlow(detail.flow);
    }
  }

  private renderChrome(flow: FlowRecord | null, tab: DetailTab | null = null) {
    return html`<header>
      <div class="title">
        ${
          flow
            ? html`<span class="method">${flow.request.method}</span
                ><span class="url mono">${flow.request.url}</span>`
            : html`<span class="url muted">Flow</span>`
        }
        <button class="close" @click=${this.onClose} title="Close (Esc)" aria-label="Close">
          ✕
        </button>
      </div>
      ${flow ? this.renderFacts(flow) : nothing} ${tab ? this.renderTabs(flow, tab) : nothing}
    </header>`;
  }

  private renderFacts(flow: FlowRecord) {
    const { response, ts } = flow;
    const type = response ? headerValue(response.headers, 'content-type') : undefined;
    return html`<div class="facts">
      ${
        response
          ? html`<span class="status ${statusClass(response.status)}"
              >${response.status} ${response.reason}</span
            >`
          : html`<span class="status s-err">No response</span>`
      }
      ${type ? html`<span class="mono">${type}</span>` : nothing}
      ${response?.body ? html`<span>${formatSize(response.body.len)}</span>` : nothing}
      ${ts.end !== undefined ? html`<span>${formatDuration(ts.end - ts.start)}</span>` : nothing}
      <span>${formatDateTime(ts.start)}</span>
    </div>`;
  }

  private renderTabs(flow: FlowRecord | null, active: DetailTab) {
    return html`<nav role="tablist">
      ${DETAIL_TABS.map(
        (tab) =>
          html`<button
            role="tab"
            data-tab=${tab}
            aria-selected=${tab === active ? 'true' : 'false'}
            class=${tab === active ? 'active' : ''}
            @click=${this.onTabClick}
          >
            ${TAB_LABEL[tab]}${tab === 'response' && flow && !flow.response ? html` <span class="muted">—</span>` : nothing}
          </button>`,
      )}
    </nav>`;
  }

  private renderFlow(flow: FlowRecord) {
    const tab = effectiveTab(this.tab, flow);
    return html`${this.renderChrome(flow, tab)}
      <div class="body" role="tabpanel">
        ${
          flow.error
            ? html`<div class="notice error flow-error">
                <strong>${flow.error.kind}</strong
                >${flow.error.code ? html` <span class="mono">${flow.error.code}</span>` : nothing}
                — ${flow.error.message}
              </div>`
            : nothing
        }
        ${
          tab === 'connection'
            ? html`<hp-connection-view .flow=${flow}></hp-connection-view>`
            : html`<hp-message-view
                .flow=${flow}
                .side=${tab}
                .body=${this.bodies[tab]}
              ></hp-message-view>`
        }
      </div>`;
  }

  private emit(name: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private readonly onClose = (): void => {
    this.emit('hp-close');
  };

  private readonly onTabClick = (event: Event): void => {
    const tab = (event.currentTarget as HTMLElement).dataset['tab'];
    if (tab) this.emit('hp-tab', { tab });
  };

  private readonly onKeyDown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape') this.emit('hp-close');
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-flow-detail': HpFlowDetail;
  }
}
