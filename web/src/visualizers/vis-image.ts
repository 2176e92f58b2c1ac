/**
 * Images (PNG, JPEG, GIF, WebP, BMP, ICO, AVIF…): rendered from a blob: URL typed with the
 * *sniffed* media type in a plain <img> (no script can run in an image), with dimensions from the
 * header and as decoded, size and type. EXIF and other metadata are never read or shown.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { shared } from '../styles/shared.js';
import { detailStyles } from '../detail/detail-styles.js';
import { formatBytes } from '../util/format.js';
import { imageSize } from './parse/media-info.js';
import { registerVisualizer, type VisualizerInput } from './registry.js';
import { BlobUrlController } from './blob-url.js';

@customElement('hp-vis-image')
export class HpVisImage extends LitElement {
  static override styles = [
    shared,
    detailStyles,
    css`
      .stage {
        display: grid;
        place-items: center;
        min-height: 160px;
        max-height: 60vh;
        overflow: auto;
        padding: var(--hp-space-4);
        border: 1px solid var(--hp-border);
        border-radius: var(--hp-radius);
        /* a checkerboard shows transparency */
        background-color: var(--hp-surface);
        background-image:
          linear-gradient(45deg, var(--hp-surface-2) 25%, transparent 25%),
          linear-gradient(-45deg, var(--hp-surface-2) 25%, transparent 25%),
          linear-gradient(45deg, transparent 75%, var(--hp-surface-2) 75%),
          linear-gradient(-45deg, transparent 75%, var(--hp-surface-2) 75%);
        background-size: 16px 16px;
        background-position:
          0 0,
          0 8px,
          8px -8px,
          -8px 0;
      }
      img {
        max-width: 100%;
        image-rendering: auto;
      }
    `,
  ];

  @property({ attribute: false }) accessor input: VisualizerInput | null = null;
  @state() accessor natural: string | null = null;
  @state() accessor broken = false;
  readonly #url = new BlobUrlController(this);

  override render() {
    const input = this.input;
    if (!input) return nothing;
    const url = this.#url.for(input.bytes, input.sniffed.mime);
    const header = imageSize(input.bytes);
    return html`<dl class="kv">
        <dt>Type</dt>
        <dd class="mono">${input.sniffed.mime}</dd>
        <dt>Size</dt>
        <dd>${formatBytes(input.bytes.length)}</dd>
        <dt>Dimensions</dt>
        <dd>
          ${this.natural ?? (header ? `${header.width} × ${header.height}` : '…')}
          ${header && this.natural && this.natural !== `${header.width} × ${header.height}` ? html`<span class="badge warn">header says ${header.width} × ${header.height}</span>` : nothing}
        </dd>
      </dl>
      <h4>Rendered</h4>
      <div class="stage">
        ${this.broken ? html`<span class="muted">The browser could not decode this image.</span>` : html`<img src=${url} alt="captured image" @load=${this.onLoad} @error=${this.onError} />`}
      </div>`;
  }

  private readonly onLoad = (event: Event): void => {
    const img = event.currentTarget as HTMLImageElement;
    this.natural = `${img.naturalWidth} × ${img.naturalHeight}`;
  };

  private readonly onError = (): void => {
    this.broken = true;
  };
}

registerVisualizer({
  id: 'image',
  label: 'Image',
  kinds: ['image'],
  render: (input) => html`<hp-vis-image .input=${input}></hp-vis-image>`,
});

declare global {
  interface HTMLElementTagNameMap {
    'hp-vis-image': HpVisImage;
  }
}
