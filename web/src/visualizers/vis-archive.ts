/**
 * Archives: a ZIP (and JAR/APK/OOXML) is listed from its central directory — names, sizes,
 * compression ratios, encryption — and never decompressed; extreme ratios and overlapping entries
 * are called out as a zip bomb. Other archive formats show their type and size.
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { shared } from '../styles/shared.js';
import { detailStyles } from '../detail/detail-styles.js';
import { formatBytes, formatSize } from '../util/format.js';
import { parseZip, ZIP_LIST_MAX, type ZipInfo } from './parse/zip.js';
import { registerVisualizer, type VisualizerInput } from './registry.js';

const ROWS_SHOWN = 500;

@customElement('hp-vis-archive')
export class HpVisArchive extends LitElement {
  static override styles = [shared, detailStyles];

  @property({ attribute: false }) accessor input: VisualizerInput | null = null;
  @state() accessor showAll = false;
  #parsed: { input: VisualizerInput; zip: ZipInfo | null; error: string | null } | null = null;

  private parsed(input: VisualizerInput) {
    if (this.#parsed?.input !== input) {
      try {
        this.#parsed = { input, zip: parseZip(input.bytes), error: null };
      } catch (err) {
        this.#parsed = {
          input,
          zip: null,
          error: err instanceof Error ? err.message : String(err),
        };
      }
    }
    return this.#parsed;
  }

  override render() {
    const input = this.input;
    if (!input) return nothing;
    if (input.sniffed.mime !== 'application/zip') {
      return html`<dl class="kv">
          <dt>Format</dt>
          <dd>${input.sniffed.label}</dd>
          <dt>Size</dt>
          <dd>${formatBytes(input.bytes.length)}</dd>
        </dl>
        <p class="muted">
          Only ZIP archives are listed; download this one to inspect it in a sandbox.
        </p>`;
    }
    const { zip, error } = this.parsed(input);
    if (!zip)
      return html`<div class="notice">
        Not a readable ZIP:
        ${error}${input.complete ? '' : ' (the body is incomplete: the directory is at the end)'}
      </div>`;
    const rows = this.showAll ? zip.entries : zip.entries.slice(0, ROWS_SHOWN);
    const ratio = zip.totalCompressed > 0 ? zip.totalSize / zip.totalCompressed : 0;
    return html` ${zip.bomb.length > 0 ? html`<div class="notice error"><strong>Zip bomb:</strong> ${zip.bomb.join('; ')}. Nothing was decompressed.</div>` : nothing}
      <section>
        <h3>${input.sniffed.label}</h3>
        <dl class="kv">
          <dt>Entries</dt>
          <dd>
            ${zip.totalEntries.toLocaleString('en-US')}${zip.totalEntries > ZIP_LIST_MAX ? ` (first ${ZIP_LIST_MAX.toLocaleString('en-US')} listed)` : ''}
          </dd>
          <dt>Compressed</dt>
          <dd title=${formatBytes(zip.totalCompressed)}>${formatSize(zip.totalCompressed)}</dd>
          <dt>Uncompressed</dt>
          <dd title=${formatBytes(zip.totalSize)}>
            ${formatSize(zip.totalSize)}
            ${ratio > 0 ? html`<span class="badge ${zip.bomb.length ? 'bad' : ''}">${ratio.toFixed(1)}:1</span>` : nothing}
          </dd>
          ${
            zip.comment
              ? html`<dt>Comment</dt>
                  <dd>${zip.comment}</dd>`
              : nothing
          }
        </dl>
      </section>
      <section>
        <table class="grid">
          <thead>
            <tr>
              <th>Name</th>
              <th class="num">Size</th>
              <th class="num">Packed</th>
              <th class="num">Ratio</th>
              <th>Method</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (e) =>
                html`<tr>
                  <td class="mono">
                    ${e.name}${e.encrypted ? html` <span class="badge warn">encrypted</span>` : nothing}
                  </td>
                  <td class="num" title=${formatBytes(e.size)}>${formatSize(e.size)}</td>
                  <td class="num" title=${formatBytes(e.compressedSize)}>
                    ${formatSize(e.compressedSize)}
                  </td>
                  <td class="num ${e.ratio > 100 ? 'bad-text' : ''}">
                    ${e.ratio > 0 ? `${e.ratio.toFixed(1)}:1` : '—'}
                  </td>
                  <td>${e.method}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${zip.entries.length > rows.length ? html`<p><button @click=${this.onShowAll}>Show all ${zip.entries.length.toLocaleString('en-US')} entries</button></p>` : nothing}
      </section>`;
  }

  private readonly onShowAll = (): void => {
    this.showAll = true;
  };
}

registerVisualizer({
  id: 'archive',
  label: 'Archive listing',
  kinds: ['archive'],
  render: (input) => html`<hp-vis-archive .input=${input}></hp-vis-archive>`,
});

declare global {
  interface HTMLElementTagNameMap {
    'hp-vis-archive': HpVisArchive;
  }
}
