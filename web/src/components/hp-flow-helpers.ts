/**
 * The strip above the detail pane with the 2012 helpers: for a 304, the earlier flows that carried
 * the content for the same URL; for a redirect, the request that followed it to its Location; for
 * any flow, "filter similar flows" (same host, method and path). Links are ordinary flow routes.
 *
 * @fires hp-open - `{ id }`: open a related flow.
 * @fires hp-filter-similar - `{ q }`: filter the table to flows like this one.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { quoteLiteral, type FlowSummary } from '@honeyproxy/protocol';
import type { RelatedFlowsState } from '../state/app-state.js';
import { formatTime, formatSize } from '../util/format.js';
import { shared } from '../styles/shared.js';

/** The filter for "flows like this one": same host, method, and path without the query. */
export function similarFilter(flow: Pick<FlowSummary, 'host' | 'method' | 'path'>): string {
  const path = flow.path.split('?', 1)[0] ?? flow.path;
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/"/g, '\\"');
  return `~d ${quoteLiteral(flow.host)} ~m ${quoteLiteral(flow.method)} ~path "^${escaped}(\\?|$)"`;
}

@customElement('hp-flow-helpers')
export class HpFlowHelpers extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: flex;
        align-items: center;
        gap: var(--hp-space-3);
        min-height: 30px;
        padding: 3px var(--hp-space-3);
        background: var(--hp-surface);
        border-bottom: 1px solid var(--hp-border);
        font-size: 12px;
        overflow: hidden;
        white-space: nowrap;
      }
      .hint {
        display: flex;
        align-items: center;
        gap: var(--hp-space-2);
        min-width: 0;
        overflow: hidden;
      }
      .label {
        color: var(--hp-muted);
      }
      .spacer {
        flex: 1;
      }
      button {
        padding: 1px 8px;
        font-size: 12px;
      }
      a.flow {
        font-family: var(--hp-mono);
      }
    `,
  ];

  @property({ attribute: false }) accessor related: RelatedFlowsState | null = null;

  override render() {
    const r = this.related;
    if (!r) return nothing;
    return html`${this.renderHint(r)}<span class="spacer"></span>
      <button
        class="similar"
        ?disabled=${r.summary === null}
        title="Show only flows with the same host, method and path"
        @click=${this.onSimilar}
      >
        Filter similar flows
      </button>`;
  }

  private renderHint(r: RelatedFlowsState) {
    if (r.kind === null) return nothing;
    if (r.error) return html`<span class="hint s-err">${r.error}</span>`;
    const flows = r.flows;
    if (flows === null) return html`<span class="hint label">Looking for related flows…</span>`;
    if (r.kind === 'earlier-content') {
      if (flows.length === 0)
        return html`<span class="hint label"
          >304 Not Modified — no earlier flow with content for this URL is stored.</span
        >`;
      return html`<span class="hint related-content">
        <span class="label">304 Not Modified — content was in</span>
        ${flows
          .slice(0, 3)
          .map(
            (f) =>
              html`<a class="flow" href="#/flows/${f.id}" data-id=${f.id} @click=${this.onOpen}
                >${formatTime(f.start)} · ${formatSize(f.size)}</a
              >`,
          )}
        ${flows.length > 3 ? html`<span class="label">+${flows.length - 3} more</span>` : nothing}
      </span>`;
    }
    if (flows.length === 0)
      return html`<span class="hint label"
        >Redirect — no request to its Location followed (within 5 min).</span
      >`;
    const next = flows[0];
    return next
      ? html`<span class="hint related-redirect">
          <span class="label">Redirect followed by</span>
          <a class="flow" href="#/flows/${next.id}" data-id=${next.id} @click=${this.onOpen}
            >${next.method} ${next.url}</a
          >
        </span>`
      : nothing;
  }

  private readonly onOpen = (event: Event): void => {
    event.preventDefault();
    const id = (event.currentTarget as HTMLElement).dataset['id'];
    if (id)
      this.dispatchEvent(
        new CustomEvent('hp-open', { detail: { id }, bubbles: true, composed: true }),
      );
  };

  private readonly onSimilar = (): void => {
    const summary = this.related?.summary;
    if (!summary) return;
    this.dispatchEvent(
      new CustomEvent('hp-filter-similar', {
        detail: { q: similarFilter(summary) },
        bubbles: true,
        composed: true,
      }),
    );
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-flow-helpers': HpFlowHelpers;
  }
}
