/**
 * HTML: highlighted source, and a rendered preview that cannot act. The preview is an
 * `<iframe sandbox="">` (opaque origin: no script, forms, popups, top navigation, plugins) whose
 * srcdoc starts with a CSP meta allowing nothing but inline styles and data: images, so beacons,
 * external images, fonts and CSS never load. Every `http-equiv` in the captured document is
 * renamed first (meta refresh would otherwise navigate the frame to the attacker's server).
 * This file is the only place captured text becomes a document (eslint allowlists it).
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { shared } from '../styles/shared.js';
import { detailStyles } from '../detail/detail-styles.js';

import { inputText, registerVisualizer, type VisualizerInput } from './registry.js';
import './hp-code-view.js';

export const PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** The srcdoc of the preview frame: the lock-down meta first, then the neutralised document. */
export function previewDocument(captured: string): string {
  const neutralised = captured.replace(/http-equiv/gi, 'data-hp-neutralised-http-equiv');
  return `<meta http-equiv="Content-Security-Policy" content="${PREVIEW_CSP}">${neutralised}`;
}

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
                .srcdoc=${previewDocument(text)}
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
