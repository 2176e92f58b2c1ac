/**
 * One message body: size, hash, capture truncation, download links, and the content as text when it
 * is text (bound as text: captured markup stays inert) or a note when it is binary. Shows at most
 * BODY_VIEW_MAX bytes and says so when there is more.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { BodyMeta } from '@honeyproxy/protocol';
import { bodyPath, type BodySide } from '../api/paths.js';
import { BODY_VIEW_MAX, type BodyView } from '../state/body-view.js';
import { formatBytes, formatSize } from '../util/format.js';
import { shared } from '../styles/shared.js';

@customElement('hp-body-view')
export class HpBodyView extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
      }
      .bar {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: var(--hp-space-1) var(--hp-space-3);
        margin-bottom: var(--hp-space-2);
        color: var(--hp-muted);
      }
      .bar .spacer {
        flex: 1;
      }
      pre {
        margin: 0;
        padding: var(--hp-space-2) var(--hp-space-3);
        background: var(--hp-surface);
        border: 1px solid var(--hp-border);
        border-radius: var(--hp-radius);
        font-family: var(--hp-mono);
        font-size: var(--hp-mono-size);
        line-height: 1.5;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      .notice {
        margin-bottom: var(--hp-space-2);
      }
    `,
  ];

  @property({ attribute: false }) accessor meta: BodyMeta = null;
  @property({ attribute: false }) accessor view: BodyView | undefined = undefined;
  @property() accessor flowId = '';
  @property() accessor side: BodySide = 'response';
  /** The message's Content-Encoding header, if any (then a decoded download is offered too). */
  @property() accessor encoding: string | undefined = undefined;

  override render() {
    const meta = this.meta;
    if (meta === null || meta.len === 0) return html`<div class="muted">No body</div>`;
    const raw = bodyPath(this.flowId, this.side, false);
    return html`
      <div class="bar">
        <span title=${formatBytes(meta.len)}>${formatSize(meta.len)}</span>
        ${this.encoding ? html`<span>encoded: <span class="mono">${this.encoding}</span></span>` : nothing}
        <span class="mono" title="sha256 of the captured bytes: ${meta.sha256}"
          >sha256 ${meta.sha256.slice(0, 12)}…</span
        >
        <span class="spacer"></span>
        <a href=${raw} download>Download raw</a>
        ${
          this.encoding && !this.undecodable
            ? html`<a href=${bodyPath(this.flowId, this.side, true)} download>Download decoded</a>`
            : nothing
        }
      </div>
      ${
        meta.truncated
          ? html`<div class="notice">
              Captured only the first ${formatBytes(meta.capturedLen)} of ${formatBytes(meta.len)}
              (sensor body limit).
            </div>`
          : nothing
      }
      ${this.renderView()}
    `;
  }

  /** The analyzer said it cannot decode this body (so no decoded download is offered). */
  private get undecodable(): boolean {
    return this.view !== undefined && 'raw' in this.view && this.view.raw;
  }

  private renderView() {
    const view = this.view;
    if (view === undefined || view.kind === 'loading') {
      return html`<div class="muted">Loading body…</div>`;
    }
    switch (view.kind) {
      case 'error':
        return html`<div class="notice error">Could not load the body: ${view.message}</div>`;
      case 'binary':
        return html`<div class="notice">
          ${
            view.raw
              ? 'The analyzer could not remove the content-encoding, and the raw bytes are binary.'
              : `Binary content (${view.reason}) is not shown.`
          }
          Download it to inspect it offline.
        </div>`;
      case 'text':
        return html`${
            view.raw
              ? html`<div class="notice">
                  The analyzer could not remove the content-encoding; these are the raw bytes.
                </div>`
              : nothing
          }
          ${
            view.complete
              ? nothing
              : html`<div class="notice">
                  Showing the first ${formatSize(BODY_VIEW_MAX)} only. Download the body to see all
                  of it.
                </div>`
          }
          <pre>${view.text}</pre>`;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-body-view': HpBodyView;
  }
}
