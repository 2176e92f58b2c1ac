/**
 * Raw tab: a message as HTTP text — start line, headers in wire order, blank line, then the body
 * bytes exactly as captured (content-encoding not removed; binary shown as a note) — or as a
 * virtualized hex dump of the body. Long bodies show their start with "show all".
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { headerValue, type FlowRecord } from '@honeyproxy/protocol';
import type { BodySide } from '../api/paths.js';
import { shared } from '../styles/shared.js';
import { formatSize } from '../util/format.js';
import { decodeText } from '../visualizers/parse/charset.js';
import { looksLikeText } from '../visualizers/parse/sniff.js';
import { bodyGate } from './body-gate.js';
import type { BodySource } from '../state/body-source.js';
import { detailStyles } from './detail-styles.js';
import { requestHead, responseHead } from './model/http-text.js';
import { sideToggle } from './side-toggle.js';
import './hp-copy-button.js';
import './hp-hex-view.js';

const TEXT_MAX = 256 * 1024;

@customElement('hp-raw-tab')
export class HpRawTab extends LitElement {
  static override styles = [shared, detailStyles];

  @property({ attribute: false }) accessor flow: FlowRecord | null = null;
  @property({ attribute: false }) accessor source: BodySource | null = null;
  @property({ attribute: false }) accessor rev = 0;
  @state() accessor side: BodySide = 'request';
  @state() accessor mode: 'text' | 'hex' = 'text';
  @state() accessor showAll = false;

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('flow')) this.showAll = false;
  }

  override render() {
    const flow = this.flow;
    const source = this.source;
    if (!flow || !source) return nothing;
    const head = this.side === 'request' ? requestHead(flow) : responseHead(flow);
    const toolbar = html`<div class="toolbar">
      ${sideToggle(this.side, this.onSide, flow.response !== undefined)}
      <div class="seg" role="group" aria-label="Raw view">
        <button aria-pressed=${this.mode === 'text'} @click=${this.onText}>HTTP text</button>
        <button aria-pressed=${this.mode === 'hex'} @click=${this.onHex}>Hex</button>
      </div>
      <span class="spacer"></span>
      ${head ? html`<hp-copy-button label="Copy head" .value=${head}></hp-copy-button><span class="muted">head</span>` : nothing}
    </div>`;
    if (head === null)
      return html`${toolbar}
        <p class="empty">No response was received.</p>`;
    const load = source.get(this.side, 'raw');
    if (this.mode === 'hex') {
      const gate = bodyGate(load, source, this.side, 'raw', 'show it');
      return html`${toolbar}${gate ?? (load.state === 'ready' ? html`<hp-hex-view .bytes=${load.bytes}></hp-hex-view>` : nothing)}`;
    }
    // Only plain strings go inside <pre>: template whitespace would show there.
    let body = '';
    let note: string | null = null;
    let cut = false;
    if (load.state === 'ready') {
      const message = flow[this.side];
      const type = message ? headerValue(message.headers, 'content-type') : undefined;
      const encoding = source.encoding(this.side);
      if (!looksLikeText(load.bytes.subarray(0, 4096)) || encoding) {
        const what = encoding ? `${encoding}-encoded` : 'binary';
        note = `[${formatSize(load.bytes.length)} of ${what} data — see Hex, or Preview for the decoded body]`;
      } else {
        cut = !this.showAll && load.bytes.length > TEXT_MAX;
        const shown = cut ? load.bytes.subarray(0, TEXT_MAX) : load.bytes;
        body = decodeText(shown, type, !cut && load.complete).text;
      }
    }
    return html`${toolbar}
      ${
        cut
          ? html`<div class="notice">
              Showing the first ${formatSize(TEXT_MAX)} of the body.
              <button @click=${this.onShowAll}>Show all</button>
            </div>`
          : nothing
      }
      <pre class="code">
${head}${body}${note === null ? nothing : html`<span class="muted">${note}</span>`}</pre>
      ${load.state === 'ready' ? nothing : bodyGate(load, source, this.side, 'raw', 'show it')}`;
  }

  private readonly onSide = (side: BodySide): void => {
    this.side = side;
    this.showAll = false;
  };
  private readonly onText = (): void => {
    this.mode = 'text';
  };
  private readonly onHex = (): void => {
    this.mode = 'hex';
  };
  private readonly onShowAll = (): void => {
    this.showAll = true;
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-raw-tab': HpRawTab;
  }
}
