/**
 * Executables — PE (Windows), ELF (Linux), Mach-O (macOS): format, architecture, entry point,
 * sections with sizes and entropy (bars; near 8 bits/byte means packed or encrypted), imports or
 * linked libraries. Header parsing only, from the parsers in parse/; nothing is run or emulated.
 */
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { styleProps } from '../util/style-props.js';
import { shared } from '../styles/shared.js';
import { detailStyles } from '../detail/detail-styles.js';
import { formatBytes, formatDateTime, formatSize } from '../util/format.js';
import { parsePe } from './parse/pe.js';
import { parseElf } from './parse/elf.js';
import { parseMacho } from './parse/macho.js';
import { registerVisualizer, type VisualizerInput } from './registry.js';

const PACKED = 7.2;

interface SectionRow {
  name: string;
  address: string;
  size: number;
  entropy: number;
  extra?: string;
}

@customElement('hp-vis-executable')
export class HpVisExecutable extends LitElement {
  static override styles = [
    shared,
    detailStyles,
    css`
      .bar {
        display: inline-block;
        width: 80px;
        height: 8px;
        border-radius: 4px;
        background: var(--hp-surface-2);
        overflow: hidden;
        vertical-align: middle;
        margin-right: var(--hp-space-2);
      }
      .bar > span {
        display: block;
        height: 100%;
        background: var(--hp-accent);
      }
      .bar.high > span {
        background: var(--hp-status-server);
      }
      details {
        margin: 2px 0;
      }
      summary {
        cursor: pointer;
      }
      ul.fns {
        margin: 4px 0 8px;
        padding-left: 20px;
        columns: 2;
      }
    `,
  ];

  @property({ attribute: false }) accessor input: VisualizerInput | null = null;

  override render() {
    const input = this.input;
    if (!input) return nothing;
    let body: TemplateResult;
    try {
      body = this.renderParsed(input);
    } catch (err) {
      body = html`<div class="notice">
        Could not read the headers: ${err instanceof Error ? err.message : String(err)}
      </div>`;
    }
    return html`${input.complete ? nothing : html`<div class="notice">Only the first ${formatSize(input.bytes.length)} were captured or loaded; tables may be incomplete.</div>`}
    ${body}`;
  }

  private renderParsed(input: VisualizerInput): TemplateResult {
    const { mime } = input.sniffed;
    if (mime === 'application/x-msdownload' && input.sniffed.label === 'PE executable') {
      const pe = parsePe(input.bytes);
      return html`${this.facts([
          ['Format', `${pe.format} ${pe.kind}`],
          ['Architecture', pe.machine],
          ['Subsystem', pe.subsystem],
          ['Entry point', pe.entryPoint, true],
          ['Image base', pe.imageBase, true],
          [
            'Compiled (header)',
            pe.timestamp ? `${formatDateTime(pe.timestamp * 1000)} (forgeable)` : 'zero',
          ],
          ['Overlay', pe.overlay ? `${formatBytes(pe.overlay)} after the last section` : 'none'],
        ])}
        ${this.sections(
          pe.sections.map((s) => ({
            name: s.name,
            address: `0x${s.virtualAddress.toString(16)}`,
            size: s.rawSize,
            entropy: s.entropy,
            extra: s.flags,
          })),
          'Flags',
        )}
        <section>
          <h3>Imports (${pe.imports.length} DLLs)</h3>
          ${pe.importsNote ? html`<div class="notice">${pe.importsNote}</div>` : nothing}
          ${pe.imports.length === 0 ? html`<span class="empty">No import table (packed binaries often hide it).</span>` : nothing}
          ${pe.imports.map(
            (imp) =>
              html`<details>
                <summary>
                  <span class="mono">${imp.dll}</span>
                  <span class="muted">(${imp.functions.length})</span>
                </summary>
                <ul class="fns mono">
                  ${imp.functions.map((f) => html`<li>${f}</li>`)}
                </ul>
              </details>`,
          )}
        </section>`;
    }
    if (mime === 'application/x-elf') {
      const elf = parseElf(input.bytes);
      return html`${this.facts([
          ['Format', `${elf.format}, ${elf.endian}-endian, ${elf.type}`],
          ['Architecture', elf.machine],
          ['OS ABI', elf.osabi],
          ['Entry point', elf.entryPoint, true],
          ['Interpreter', elf.interpreter ?? 'none (static)', true],
        ])}
        ${this.sections(
          elf.sections
            .filter((s) => s.name !== '' || s.size > 0)
            .map((s) => ({
              name: s.name,
              address: s.address,
              size: s.size,
              entropy: s.entropy,
              extra: s.type,
            })),
          'Type',
        )}
        <section>
          <h3>Needed libraries (${elf.needed.length})</h3>
          ${
            elf.needed.length === 0
              ? html`<span class="empty"
                  >None (statically linked or stripped of its dynamic section).</span
                >`
              : html`<ul class="mono">
                  ${elf.needed.map((n) => html`<li>${n}</li>`)}
                </ul>`
          }
        </section>`;
    }
    if (mime === 'application/x-mach-binary') {
      const m = parseMacho(input.bytes);
      return html`${this.facts([
          ['Format', `${m.format} ${m.fileType}`],
          ['Architecture', m.cpu],
          ['Universal binary', m.fatArchs.length ? m.fatArchs.join(', ') : undefined],
          ['Entry point', m.entryPoint ?? 'not given (LC_MAIN absent)', true],
        ])}
        ${this.sections(
          m.sections.map((s) => ({
            name: `${s.segment},${s.name}`,
            address: s.address,
            size: s.size,
            entropy: s.entropy,
          })),
          '',
        )}
        <section>
          <h3>Linked libraries (${m.dylibs.length})</h3>
          <ul class="mono">
            ${m.dylibs.map((n) => html`<li>${n}</li>`)}
          </ul>
        </section>`;
    }
    return this.facts([
      ['Format', input.sniffed.label],
      ['Size', formatBytes(input.bytes.length)],
      ['Details', 'No header parser for this format; see Raw → Hex.'],
    ]);
  }

  private facts(rows: [string, string | undefined, boolean?][]): TemplateResult {
    return html`<section>
      <h3>Executable</h3>
      <dl class="kv">
        ${rows
          .filter(([, v]) => v !== undefined)
          .map(
            ([k, v, mono]) =>
              html`<dt>${k}</dt>
                <dd class=${mono ? 'mono' : ''}>${v}</dd>`,
          )}
      </dl>
    </section>`;
  }

  private sections(rows: SectionRow[], extraLabel: string): TemplateResult {
    const packed = rows.filter((r) => r.entropy > PACKED);
    return html`<section>
      <h3>Sections (${rows.length})</h3>
      ${packed.length ? html`<div class="notice">High entropy in ${packed.map((r) => r.name).join(', ')}: packed or encrypted content is likely.</div>` : nothing}
      <table class="grid">
        <thead>
          <tr>
            <th>Name</th>
            <th>Address</th>
            <th class="num">Size</th>
            <th>Entropy</th>
            ${extraLabel ? html`<th>${extraLabel}</th>` : nothing}
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (r) =>
              html`<tr>
                <td class="mono">${r.name}</td>
                <td class="mono">${r.address}</td>
                <td class="num" title=${formatBytes(r.size)}>${formatSize(r.size)}</td>
                <td>
                  ${
                    Number.isNaN(r.entropy)
                      ? html`<span class="muted">no file bytes</span>`
                      : html`<span class="bar ${r.entropy > PACKED ? 'high' : ''}"
                            ><span
                              ${styleProps({ width: `${(r.entropy / 8) * 100}%` })}
                            ></span></span
                          >${r.entropy.toFixed(2)}`
                  }
                </td>
                ${extraLabel ? html`<td class="mono">${r.extra}</td>` : nothing}
              </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
  }
}

registerVisualizer({
  id: 'executable',
  label: 'Executable',
  kinds: ['executable'],
  render: (input) => html`<hp-vis-executable .input=${input}></hp-vis-executable>`,
});

declare global {
  interface HTMLElementTagNameMap {
    'hp-vis-executable': HpVisExecutable;
  }
}
