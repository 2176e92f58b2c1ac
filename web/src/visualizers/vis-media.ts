/**
 * Fonts, audio and video: type, size and what the file header says (sample rate, channels,
 * ID3 tags, container brand, duration, font family…). Nothing is played or installed: media and
 * font decoders are attack surface, and these bytes were chosen by an attacker.
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { shared } from '../styles/shared.js';
import { detailStyles } from '../detail/detail-styles.js';
import { formatBytes } from '../util/format.js';
import { mediaFacts } from './parse/media-info.js';
import { registerVisualizer, type VisualizerInput } from './registry.js';

@customElement('hp-vis-media')
export class HpVisMedia extends LitElement {
  static override styles = [shared, detailStyles];

  @property({ attribute: false }) accessor input: VisualizerInput | null = null;

  override render() {
    const input = this.input;
    if (!input) return nothing;
    const kind = input.verdict.kind;
    const facts =
      kind === 'font' || kind === 'audio' || kind === 'video' ? mediaFacts(kind, input.bytes) : [];
    return html`<section>
        <h3>${input.sniffed.label}</h3>
        <dl class="kv">
          <dt>Type</dt>
          <dd class="mono">${input.sniffed.mime}</dd>
          <dt>Size</dt>
          <dd>${formatBytes(input.bytes.length)}</dd>
          ${facts.map(
            ([k, v]) =>
              html`<dt>${k}</dt>
                <dd>${v}</dd>`,
          )}
        </dl>
      </section>
      <p class="muted">
        Not played or installed in the GUI; download it to examine it in a sandbox.
      </p>`;
  }
}

registerVisualizer({
  id: 'media',
  label: 'Media / font',
  kinds: ['font', 'audio', 'video'],
  render: (input) => html`<hp-vis-media .input=${input}></hp-vis-media>`,
});

declare global {
  interface HTMLElementTagNameMap {
    'hp-vis-media': HpVisMedia;
  }
}
