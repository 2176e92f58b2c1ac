/**
 * HTML: highlighted source, and a rendered preview that cannot act. The preview is an
 * `<iframe sandbox="">` (opaque origin: no script, forms, popups, top navigation, plugins) loading
 * the analyzer's preview route, which sends a sandbox CSP allowing nothing but inline styles and
 * data: images as a response header — in force before the first byte is parsed, so beacons,
 * external images, fonts and CSS never load — and renames every `http-equiv` in the document
 * (a meta refresh would otherwise navigate the frame to the attacker's server). Captured text
 * never becomes a document in the GUI itself.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { shared } from '../styles/shared.js';
import { detailStyles } from '../detail/detail-styles.js';

import { previewPath } from '../api/paths.js';
import { inputText, registerVisualizer, type VisualizerInput } from './registry.js';
import './hp-code-view.js';

@customElement('hp-vis-html')
export class HpVisHtml extends LitElement {
  static override styles = [
    shared,
    detailStyles,
    css`
      iframe {
        display: block;
        width: 100%;
        height: min(65vh, 720px);
        border: 1px solid var(--hp-border);
        border-radius: var(--hp-radius);
        background: #fff;
      }
    `,
  ];

  @property({ attribute: false }) accessor input: VisualizerInput | null = null;
  @state() accessor view: 'source' | 'rendered' = 'source';

  override render() {
    const input = this.input;
    if (!input) return nothing;
    const { text, charset } = inputText(input);
    return html`<div class="toolbar">
        <div class="seg" role="group" aria-label="HTML view">
          <button aria-pressed=${this.view === 'source'} data-view="source" @click=${this.onView}>
            Source
          </button>
          <button
            aria-pressed=${this.view === 'rendered'}
            data-view="rendered"
            @click=${this.onView}
          >
            Rendered (inert)
          </button>
        </div>
        <span class="muted">charset ${charset.encoding} (${charset.source})</span>
      </div>
      ${
        this.view === 'source'
          ? html`<hp-code-view .text=${text} language="xml" .format=${false}></hp-code-view>`
          : html`<div class="notice">
                Sandboxed preview: scripts, forms, links out, refreshes and every external load
                (images, CSS, fonts, beacons) are blocked, so the page may look broken.
              </div>
              <iframe
                sandbox=""
                referrerpolicy="no-referrer"
                title="inert HTML preview"
                src=${previewPath(input.flowId, input.side, charset.encoding)}
              ></iframe>`
      }`;
  }

  private readonly onView = (event: Event): void => {
    const view = (event.currentTarget as HTMLElement).dataset['view'];
    if (view === 'source' || view === 'rendered') this.view = view;
  };
}

registerVisualizer({
  id: 'html',
  label: 'HTML',
  kinds: ['html'],
  render: (input) => html`<hp-vis-html .input=${input}></hp-vis-html>`,
});

declare global {
  interface HTMLElementTagNameMap {
    'hp-vis-html': HpVisHtml;
  }
}
