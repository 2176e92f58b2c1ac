/**
 * Plain text, decoded the way a browser would pick the charset (BOM, Content-Type, in-document
 * declaration, UTF-8 validity, windows-1252 fallback), with the choice and its reason shown and
 * a switch to another encoding. Long text shows its start with a "show all" button.
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { shared } from '../styles/shared.js';
import { detailStyles } from '../detail/detail-styles.js';
import { formatSize } from '../util/format.js';

import { inputText, registerVisualizer, type VisualizerInput } from './registry.js';

const SHOW_MAX = 512 * 1024;
const ENCODINGS = [
  'utf-8',
  'windows-1252',
  'iso-8859-2',
  'koi8-r',
  'shift_jis',
  'euc-kr',
  'gbk',
  'big5',
  'utf-16le',
  'utf-16be',
];

@customElement('hp-vis-text')
export class HpVisText extends LitElement {
  static override styles = [shared, detailStyles];

  @property({ attribute: false }) accessor input: VisualizerInput | null = null;
  @state() accessor encoding: string | null = null;
  @state() accessor showAll = false;

  override render() {
    const input = this.input;
    if (!input) return nothing;
    const detected = inputText(input);
    const text = this.encoding
      ? new TextDecoder(this.encoding).decode(input.bytes.subarray(detected.charset.skip))
      : detected.text;
    const cut = !this.showAll && text.length > SHOW_MAX;
    return html`<div class="toolbar">
        <label
          >Encoding
          <select @change=${this.onEncoding} aria-label="Text encoding">
            <option value="" ?selected=${this.encoding === null}>
              ${detected.charset.encoding} (from ${detected.charset.source})
            </option>
            ${ENCODINGS.map((e) => html`<option value=${e} ?selected=${this.encoding === e}>${e}</option>`)}
          </select></label
        >
        <span class="spacer"></span>
        ${cut ? html`<button @click=${this.onShowAll}>Show all ${formatSize(text.length)}</button>` : nothing}
      </div>
      ${cut ? html`<div class="notice">Showing the first ${formatSize(SHOW_MAX)} of text.</div>` : nothing}
      <pre class="code">${cut ? text.slice(0, SHOW_MAX) : text}</pre>`;
  }

  private readonly onEncoding = (event: Event): void => {
    const value = (event.currentTarget as HTMLSelectElement).value;
    this.encoding = value === '' ? null : value;
  };

  private readonly onShowAll = (): void => {
    this.showAll = true;
  };
}

registerVisualizer({
  id: 'text',
  label: 'Text',
  kinds: ['text'],
  render: (input) => html`<hp-vis-text .input=${input}></hp-vis-text>`,
});

declare global {
  interface HTMLElementTagNameMap {
    'hp-vis-text': HpVisText;
  }
}
