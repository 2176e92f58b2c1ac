/**
 * JavaScript, CSS, JSON and XML: decoded with charset detection, then pretty-printed and
 * highlighted in the worker (hp-code-view), with a toggle back to the text exactly as captured.
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { shared } from '../styles/shared.js';
import { detailStyles } from '../detail/detail-styles.js';

import type { BodyKind } from './parse/sniff.js';
import type { CodeLanguage } from './highlight-protocol.js';
import { inputText, registerVisualizer, type VisualizerInput } from './registry.js';
import './hp-code-view.js';

const LANGUAGE: Partial<Record<BodyKind, CodeLanguage>> = {
  javascript: 'javascript',
  css: 'css',
  json: 'json',
  xml: 'xml',
};

@customElement('hp-vis-code')
export class HpVisCode extends LitElement {
  static override styles = [shared, detailStyles];

  @property({ attribute: false }) accessor input: VisualizerInput | null = null;
  @state() accessor pretty = true;

  override render() {
    const input = this.input;
    if (!input) return nothing;
    const language = LANGUAGE[input.verdict.kind] ?? 'javascript';
    const { text, charset } = inputText(input);
    return html`<div class="toolbar">
        <div class="seg" role="group" aria-label="Formatting">
          <button aria-pressed=${this.pretty} @click=${this.onPretty}>Pretty</button>
          <button aria-pressed=${!this.pretty} @click=${this.onAsCaptured}>As captured</button>
        </div>
        <span class="muted">charset ${charset.encoding} (${charset.source})</span>
      </div>
      <hp-code-view .text=${text} .language=${language} .format=${this.pretty}></hp-code-view>`;
  }

  private readonly onPretty = (): void => {
    this.pretty = true;
  };

  private readonly onAsCaptured = (): void => {
    this.pretty = false;
  };
}

registerVisualizer({
  id: 'code',
  label: 'Code',
  kinds: ['javascript', 'css', 'json', 'xml'],
  render: (input) => html`<hp-vis-code .input=${input}></hp-vis-code>`,
});

declare global {
  interface HTMLElementTagNameMap {
    'hp-vis-code': HpVisCode;
  }
}
