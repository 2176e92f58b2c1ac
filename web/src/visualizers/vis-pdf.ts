/**
 * PDF triage without rendering: version, pages, the info dictionary, and the features malicious
 * PDFs use (JavaScript, OpenAction, Launch, embedded files…) flagged. The document is never
 * handed to a PDF renderer.
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { shared } from '../styles/shared.js';
import { detailStyles } from '../detail/detail-styles.js';
import { formatBytes } from '../util/format.js';
import { PDF_ACTIVE_CONTENT, parsePdf } from './parse/pdf.js';
import { registerVisualizer, type VisualizerInput } from './registry.js';

@customElement('hp-vis-pdf')
export class HpVisPdf extends LitElement {
  static override styles = [shared, detailStyles];

  @property({ attribute: false }) accessor input: VisualizerInput | null = null;

  override render() {
    const input = this.input;
    if (!input) return nothing;
    let pdf: ReturnType<typeof parsePdf>;
    try {
      pdf = parsePdf(input.bytes);
    } catch (err) {
      return html`<div class="notice">
        Could not read the PDF: ${err instanceof Error ? err.message : String(err)}
      </div>`;
    }
    const risky = pdf.flags.filter(([name]) => PDF_ACTIVE_CONTENT.has(name));
    return html` ${risky.length > 0 ? html`<div class="notice error"><strong>Active content:</strong> ${risky.map(([n]) => n).join(', ')} — this PDF can run code or act when opened.</div>` : nothing}
      <section>
        <h3>PDF document</h3>
        <dl class="kv">
          <dt>Version</dt>
          <dd>${pdf.version}</dd>
          <dt>Pages</dt>
          <dd>${pdf.pages ?? 'unknown'}</dd>
          <dt>Size</dt>
          <dd>${formatBytes(input.bytes.length)}</dd>
          <dt>Encrypted</dt>
          <dd>${pdf.encrypted ? 'yes' : 'no'}</dd>
          ${pdf.info.map(
            ([k, v]) =>
              html`<dt>${k}</dt>
                <dd>${v}</dd>`,
          )}
        </dl>
      </section>
      <section>
        <h3>Names found</h3>
        ${
          pdf.flags.length === 0
            ? html`<span class="empty">None of the risky names appear.</span>`
            : html`<table class="grid">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th class="num">Count</th>
                    <th>Meaning</th>
                  </tr>
                </thead>
                <tbody>
                  ${pdf.flags.map(
                    ([name, n]) =>
                      html`<tr>
                        <td class="mono ${PDF_ACTIVE_CONTENT.has(name) ? 'bad-text' : ''}">
                          ${name}
                        </td>
                        <td class="num">${n}</td>
                        <td>${MEANING[name] ?? ''}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
        ${pdf.objectStreams ? html`<p class="muted">The file uses object streams (/ObjStm): compressed objects are not scanned and may hide more.</p>` : nothing}
      </section>`;
  }
}

const MEANING: Record<string, string> = {
  '/JavaScript': 'JavaScript action',
  '/JS': 'JavaScript code',
  '/OpenAction': 'runs an action when the document opens',
  '/AA': 'additional (automatic) actions',
  '/Launch': 'launches a program or file',
  '/EmbeddedFile': 'carries an embedded file',
  '/RichMedia': 'embedded Flash/media',
  '/XFA': 'XML forms (scriptable)',
  '/AcroForm': 'interactive form',
  '/URI': 'links to a URL',
  '/SubmitForm': 'sends form data to a URL',
  '/GoToR': 'opens another document',
  '/ObjStm': 'compressed object streams',
  '/Encrypt': 'encrypted content',
};

registerVisualizer({
  id: 'pdf',
  label: 'PDF',
  kinds: ['pdf'],
  render: (input) => html`<hp-vis-pdf .input=${input}></hp-vis-pdf>`,
});

declare global {
  interface HTMLElementTagNameMap {
    'hp-vis-pdf': HpVisPdf;
  }
}
