/**
 * Preview tab: the body shown by the visualizer for what it really is. The type bar says what
 * the bytes are (sniffed), what the server declared, and flags a contradiction (an image URL
 * serving a PE executable); "show as" lets the analyst pick another visualizer (hex, text…).
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { headerValue, type FlowRecord } from '@honeyproxy/protocol';
import { bodyPath, type BodySide } from '../api/paths.js';
import { shared } from '../styles/shared.js';
import { formatBytes, formatSize } from '../util/format.js';
import { allVisualizers, visualizerFor, type VisualizerInput } from '../visualizers/index.js';
import { decideKind, mediaType } from '../visualizers/parse/body-kind.js';
import { sniff } from '../visualizers/parse/sniff.js';
import { bodyGate } from './body-gate.js';
import type { BodyLoad, BodySource } from '../state/body-source.js';
import { detailStyles } from './detail-styles.js';
import { sideToggle } from './side-toggle.js';

@customElement('hp-preview-tab')
export class HpPreviewTab extends LitElement {
  static override styles = [
    shared,
    detailStyles,
    css`
      .typebar {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: var(--hp-space-1) var(--hp-space-4);
        color: var(--hp-muted);
      }
      .typebar strong {
        color: var(--hp-text);
        font-weight: 600;
      }
      .mismatch {
        margin: var(--hp-space-2) 0 var(--hp-space-3);
      }
      select {
        font: inherit;
        color: var(--hp-text);
        background: var(--hp-bg);
        border: 1px solid var(--hp-border-strong);
        border-radius: var(--hp-radius);
        padding: 2px 4px;
      }
    `,
  ];

  @property({ attribute: false }) accessor flow: FlowRecord | null = null;
  @property({ attribute: false }) accessor source: BodySource | null = null;
  @property({ attribute: false }) accessor rev = 0;
  @state() accessor side: BodySide = 'response';
  @state() accessor showAs = '';
  #inputs = new WeakMap<Uint8Array, VisualizerInput>();

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('flow') && this.flow) {
      this.side = this.flow.response?.body
        ? 'response'
        : this.flow.request.body
          ? 'request'
          : 'response';
      this.showAs = '';
    }
  }

  override render() {
    const flow = this.flow;
    const source = this.source;
    if (!flow || !source) return nothing;
    const message = flow[this.side];
    const load: BodyLoad = message ? source.get(this.side, 'decoded') : { state: 'none' };
    // no decoded download when the analyzer already said it cannot decode this body
    const decodable = !(load.state === 'ready' && load.undecodable);
    const toolbar = html`<div class="toolbar">
      ${sideToggle(this.side, this.onSide, flow.response !== undefined)}
      <span class="spacer"></span>
      ${
        message?.body
          ? html`<a href=${bodyPath(flow.flowId, this.side, false)} download>Download raw</a>
              ${source.encoding(this.side) && decodable ? html`<a href=${bodyPath(flow.flowId, this.side, true)} download>Download decoded</a>` : nothing}`
          : nothing
      }
    </div>`;
    if (!message)
      return html`${toolbar}
        <p class="empty">No response was received.</p>`;
    const gate = bodyGate(load, source, this.side, 'decoded', 'preview it');
    if (gate || load.state !== 'ready') return html`${toolbar}${gate}`;
    const input = this.input(flow, this.side, load.bytes, load.complete);
    const chosen =
      allVisualizers().find((v) => v.id === this.showAs) ?? visualizerFor(input.verdict.kind);
    const meta = message.body;
    return html`${toolbar}
      <div class="typebar">
        <span>Content: <strong>${input.sniffed.label}</strong></span>
        <span>Declared: <span class="mono">${mediaType(input.contentType) || '(none)'}</span></span>
        <span title=${formatBytes(load.bytes.length)}
          >${formatSize(load.bytes.length)}${source.encoding(this.side) && !load.undecodable ? ` decoded (${source.encoding(this.side)})` : ''}</span
        >
        <span class="spacer"></span>
        <label
          >Show as
          <select @change=${this.onShowAs} aria-label="Show as">
            <option value="" ?selected=${this.showAs === ''}>
              auto (${visualizerFor(input.verdict.kind).label})
            </option>
            ${allVisualizers().map((v) => html`<option value=${v.id} ?selected=${this.showAs === v.id}>${v.label}</option>`)}
          </select></label
        >
      </div>
      ${
        input.verdict.mismatch
          ? html`<div class="notice error mismatch" role="alert">
              <strong>Type mismatch:</strong> ${input.verdict.mismatch}.
            </div>`
          : html`<div class="mismatch"></div>`
      }
      ${load.undecodable ? html`<div class="notice">The analyzer could not remove the content-encoding; these are the raw bytes.</div>` : nothing}
      ${meta?.truncated ? html`<div class="notice">The sensor kept only the first ${formatBytes(meta.capturedLen)} of ${formatBytes(meta.len)}.</div>` : nothing}
      ${load.complete ? nothing : html`<div class="notice">Only the first ${formatSize(load.bytes.length)} are loaded.</div>`}
      ${chosen.render(input)}`;
  }

  private input(
    flow: FlowRecord,
    side: BodySide,
    bytes: Uint8Array,
    complete: boolean,
  ): VisualizerInput {
    let input = this.#inputs.get(bytes);
    if (!input) {
      const message = flow[side];
      const contentType = message ? headerValue(message.headers, 'content-type') : undefined;
      const sniffed = sniff(bytes);
      input = {
        bytes,
        complete,
        contentType,
        url: flow.request.url,
        flowId: flow.flowId,
        side,
        sniffed,
        verdict: decideKind(
          sniffed,
          contentType,
          side === 'response' ? flow.request.url : undefined,
        ),
      };
      this.#inputs.set(bytes, input);
    }
    return input;
  }

  private readonly onSide = (side: BodySide): void => {
    this.side = side;
    this.showAs = '';
  };

  private readonly onShowAs = (event: Event): void => {
    this.showAs = (event.currentTarget as HTMLSelectElement).value;
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-preview-tab': HpPreviewTab;
  }
}
