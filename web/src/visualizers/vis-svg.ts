/**
 * SVG: shown only as an image — an <img> from a blob: URL typed image/svg+xml, where the browser
 * runs SVG in "secure static mode" (no script, no external loads). The markup is never put in the
 * DOM; its source is available as highlighted XML below the picture.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { shared } from '../styles/shared.js';
import { detailStyles } from '../detail/detail-styles.js';
import { formatBytes } from '../util/format.js';

import { inputText, registerVisualizer, type VisualizerInput } from './registry.js';
import { BlobUrlController } from './blob-url.js';
import './hp-code-view.js';

@customElement('hp-vis-svg')
export class HpVisSvg extends LitElement {
  static override styles = [
    shared,
    detailStyles,
    css`
      .stage {
        display: grid;
        place-items: center;
        min-height: 120px;
        max-height: 50vh;
        overflow: auto;
        padding: var(--hp-space-4);
        border: 1px solid var(--hp-border);
        border-radius: var(--hp-radius);
        background: var(--hp-surface);
        margin-bottom: var(--hp-space-3);
      }
      img {
        max-width: 100%;
        min-width: 48px;
      }
    `,
  ];

  @property({ attribute: false }) accessor input: VisualizerInput | null = null;
  readonly #url = new BlobUrlController(this);

  override render() {
    const input = this.input;
    if (!input) return nothing;
    const url = this.#url.for(input.bytes, 'image/svg+xml');
    const { text } = inputText(input);
    return html`<dl class="kv">
        <dt>Type</dt>
        <dd class="mono">image/svg+xml</dd>
        <dt>Size</dt>
        <dd>${formatBytes(input.bytes.length)}</dd>
        <dt>Shown as</dt>
        <dd>an image only: scripts, event handlers and external references in it do not run</dd>
      </dl>
      <h4>Rendered</h4>
      <div class="stage"><img src=${url} alt="captured SVG image" /></div>
      <h4>Source</h4>
      <hp-code-view .text=${text} language="xml"></hp-code-view>`;
  }
}

registerVisualizer({
  id: 'svg',
  label: 'SVG image',
  kinds: ['svg'],
  render: (input) => html`<hp-vis-svg .input=${input}></hp-vis-svg>`,
});

declare global {
  interface HTMLElementTagNameMap {
    'hp-vis-svg': HpVisSvg;
  }
}
