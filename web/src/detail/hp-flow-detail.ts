/**
 * The detail pane for one flow: a header (method, URL, status, key facts, pop-out and close) and
 * the Headers / Details / Payload / Preview / Raw tabs. It renders the `detail` slice that
 * state/flow-detail.ts loads (the flow record, and a BodySource that loads the bodies its tabs ask
 * for), so the same element serves the split pane and a pop-out window. It never fetches or
 * navigates: tab changes, closing and pop-out are events the shell turns into URLs (contract in
 * notes/gui-contract.md).
 *
 * @fires hp-tab - detail `{ tab }`: the analyst chose a tab (click, or ←/→/Home/End on the tabs).
 * @fires hp-close - the close button, or Escape inside the pane.
 * @fires hp-popout - detail `{ flowId, tab }`: open this flow and tab in its own window.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { headerValue, type FlowRecord } from '@honeyproxy/protocol';
import { shared } from '../styles/shared.js';
import { formatDateTime, formatDuration, formatSize, statusClass } from '../util/format.js';
import { NO_DETAIL, type FlowDetailState } from '../state/flow-detail.js';
import { DETAIL_TAB_LABELS, DETAIL_TABS, defaultTab, type DetailTabId } from './detail-tabs.js';
import './hp-headers-tab.js';
import './hp-details-tab.js';
import './hp-payload-tab.js';
import './hp-preview-tab.js';
import './hp-raw-tab.js';

@customElement('hp-flow-detail')
export class HpFlowDetail extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
        min-width: 0;
        overflow: hidden;
        background: var(--hp-bg);
      }
      header {
        flex: none;
        padding: var(--hp-space-3) var(--hp-space-4) 0;
        border-bottom: 1px solid var(--hp-border);
      }
      .title {
        display: flex;
        align-items: flex-start;
        gap: var(--hp-space-2);
      }
      .method {
        flex: none;
        max-width: 30%;
        overflow-wrap: anywhere;
        font-weight: 700;
        padding-top: 1px;
      }
      .url {
        flex: 1;
        min-width: 0;
        overflow-wrap: anywhere;
        line-height: 1.45;
        max-height: 2.9em;
        overflow: hidden;
      }
      .icon {
        flex: none;
        border: none;
        background: transparent;
        color: var(--hp-muted);
        padding: 0 6px;
        font-size: 14px;
        line-height: 20px;
      }
      .icon svg {
        display: block;
        margin: 3px 0;
      }
      .icon:hover {
        color: var(--hp-text);
        background: var(--hp-surface-2);
      }
      .facts {
        display: flex;
        flex-wrap: wrap;
        gap: var(--hp-space-1) var(--hp-space-4);
        margin-top: var(--hp-space-1);
        color: var(--hp-muted);
      }
      .facts .status {
        font-weight: 600;
      }
      .facts .warn {
        color: var(--hp-status-client);
        font-weight: 600;
      }
      [role='tablist'] {
        display: flex;
        gap: var(--hp-space-1);
        margin-top: var(--hp-space-2);
      }
      [role='tab'] {
        border: none;
        border-bottom: 2px solid transparent;
        border-radius: 0;
        background: transparent;
        color: var(--hp-muted);
        padding: 6px 10px 7px;
        font-weight: 500;
      }
      [role='tab']:hover {
        background: transparent;
        color: var(--hp-text);
      }
      [role='tab'][aria-selected='true'] {
        color: var(--hp-text);
        border-bottom-color: var(--hp-accent);
      }
      .body {
        flex: 1;
        min-height: 0;
        overflow: auto;
        padding: var(--hp-space-4);
      }
    `,
  ];

  /** The open flow (its `rev` changes whenever a body finishes loading, so tabs re-render). */
  @property({ attribute: false }) accessor detail: FlowDetailState = NO_DETAIL;
  @property({ attribute: false }) accessor tab: DetailTabId | null = null;
  @property({ type: Boolean, reflect: true }) accessor popout = false;

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('keydown', this.onKeyDown);
  }

  override disconnectedCallback(): void {
    this.removeEventListener('keydown', this.onKeyDown);
    super.disconnectedCallback();
  }

  /** Puts keyboard focus on the active tab (the shell calls this for "Tab into the pane"). */
  focusTabs(): void {
    this.renderRoot.querySelector<HTMLElement>('[role="tab"][aria-selected="true"]')?.focus();
  }

  override render() {
    const loaded = this.detail;
    switch (loaded.state) {
      case 'none':
        return nothing;
      case 'loading':
        return html`${this.renderHeader(null, null)}
          <div class="body muted">Loading flow…</div>`;
      case 'error':
        return html`${this.renderHeader(null, null)}
          <div class="body"><div class="notice error">${loaded.message}</div></div>`;
      case 'ready': {
        const tab = this.tab ?? defaultTab(loaded.flow);
        return html`${this.renderHeader(loaded.flow, tab)}
          <div class="body" role="tabpanel" id="panel" aria-labelledby="tab-${tab}">
            ${this.renderTab(tab, loaded)}
          </div>`;
      }
    }
  }

  private renderTab(tab: DetailTabId, loaded: Extract<FlowDetailState, { state: 'ready' }>) {
    const { flow, source, rev } = loaded;
    switch (tab) {
      case 'headers':
        return html`<hp-headers-tab .flow=${flow}></hp-headers-tab>`;
      case 'details':
        return html`<hp-details-tab .flow=${flow} .source=${source} .rev=${rev}></hp-details-tab>`;
      case 'payload':
        return html`<hp-payload-tab .flow=${flow} .source=${source} .rev=${rev}></hp-payload-tab>`;
      case 'preview':
        return html`<hp-preview-tab .flow=${flow} .source=${source} .rev=${rev}></hp-preview-tab>`;
      case 'raw':
        return html`<hp-raw-tab .flow=${flow} .source=${source} .rev=${rev}></hp-raw-tab>`;
    }
  }

  private renderHeader(flow: FlowRecord | null, tab: DetailTabId | null) {
    return html`<header>
      <div class="title">
        ${
          flow
            ? html`<span class="method mono">${flow.request.method}</span
                ><span class="url mono" title=${flow.request.url}>${flow.request.url}</span>`
            : html`<span class="url muted">Flow</span>`
        }
        ${
          this.popout || !flow
            ? nothing
            : html`<button
                class="icon"
                title="Open in its own window"
                aria-label="Pop out"
                @click=${this.onPopout}
              >
                <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
                  <path
                    d="M9 2h5v5M14 2L7.5 8.5M12 9.5V13a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1h3.5"
                    fill="none"
                    stroke="currentColor"
                    stroke-width="1.5"
                    stroke-linecap="round"
                    stroke-linejoin="round"
                  />
                </svg>
              </button>`
        }
        ${this.popout ? nothing : html`<button class="icon" title="Close (Esc)" aria-label="Close" @click=${this.onClose}>✕</button>`}
      </div>
      ${flow ? this.renderFacts(flow) : nothing}
      ${
        flow && tab
          ? html`<div role="tablist" aria-label="Flow details" @keydown=${this.onTabKey}>
              ${DETAIL_TABS.map(
                (t) =>
                  html`<button
                    role="tab"
                    id="tab-${t}"
                    data-tab=${t}
                    aria-selected=${t === tab ? 'true' : 'false'}
                    aria-controls="panel"
                    tabindex=${t === tab ? '0' : '-1'}
                    @click=${this.onTabClick}
                  >
                    ${DETAIL_TAB_LABELS[t]}
                  </button>`,
              )}
            </div>`
          : nothing
      }
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
          : html`<span class="status s-err">${flow.error ? flow.error.kind : 'No response'}</span>`
      }
      ${type ? html`<span class="mono">${type}</span>` : nothing}
      ${response?.body ? html`<span>${formatSize(response.body.len)}</span>` : nothing}
      ${ts.end !== undefined ? html`<span>${formatDuration(ts.end - ts.start)}</span>` : nothing}
      <span>${formatDateTime(ts.start)}</span>
      ${flow.server.hostMismatch ? html`<span class="warn">host mismatch</span>` : nothing}
    </div>`;
  }

  private emit(name: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private readonly onClose = (): void => this.emit('hp-close');

  private readonly onPopout = (): void => {
    if (this.detail.state !== 'ready') return;
    this.emit('hp-popout', {
      flowId: this.detail.id,
      tab: this.tab ?? defaultTab(this.detail.flow),
    });
  };

  private readonly onTabClick = (event: Event): void => {
    const tab = (event.currentTarget as HTMLElement).dataset['tab'];
    if (tab) this.emit('hp-tab', { tab });
  };

  private readonly onTabKey = (event: KeyboardEvent): void => {
    if (this.detail.state !== 'ready') return;
    const current = DETAIL_TABS.indexOf(this.tab ?? defaultTab(this.detail.flow));
    const next =
      event.key === 'ArrowRight'
        ? (current + 1) % DETAIL_TABS.length
        : event.key === 'ArrowLeft'
          ? (current - 1 + DETAIL_TABS.length) % DETAIL_TABS.length
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? DETAIL_TABS.length - 1
              : -1;
    if (next < 0) return;
    event.preventDefault();
    this.emit('hp-tab', { tab: DETAIL_TABS[next] });
    void this.updateComplete.then(() => this.focusTabs());
  };

  private readonly onKeyDown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' && !this.popout) this.emit('hp-close');
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-flow-detail': HpFlowDetail;
  }
}
