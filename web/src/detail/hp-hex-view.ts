/**
 * A virtualized hex dump: offset, 16 bytes in hex, and their printable ASCII. Only the rows in
 * view (plus a margin) exist in the DOM, so a 64 MiB body scrolls as smoothly as a 64-byte one.
 * Bytes become text through a lookup table; nothing captured is ever parsed as markup.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { styleProps } from '../util/style-props.js';
import { shared } from '../styles/shared.js';

const ROW = 18;
const PER_ROW = 16;
const OVERSCAN = 20;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const CHAR = Array.from({ length: 256 }, (_, i) =>
  i >= 0x20 && i < 0x7f ? String.fromCharCode(i) : '·',
);

@customElement('hp-hex-view')
export class HpHexView extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
      }
      .scroller {
        height: var(--hp-hex-height, 480px);
        overflow: auto;
        border: 1px solid var(--hp-border);
        border-radius: var(--hp-radius);
        background: var(--hp-surface);
        font-family: var(--hp-mono);
        font-size: var(--hp-mono-size);
        contain: strict;
      }
      .spacer {
        position: relative;
      }
      .row {
        position: absolute;
        left: 0;
        right: 0;
        height: ${ROW}px;
        line-height: ${ROW}px;
        display: flex;
        gap: 2ch;
        padding: 0 var(--hp-space-3);
      }
      .row > span {
        white-space: pre;
      }
      .off {
        color: var(--hp-faint);
      }
      .asc {
        color: var(--hp-muted);
      }
    `,
  ];

  @property({ attribute: false }) accessor bytes: Uint8Array = new Uint8Array(0);
  @state() accessor first = 0;
  @state() accessor visible = 40;

  override render() {
    const rows = Math.ceil(this.bytes.length / PER_ROW);
    const from = Math.max(0, this.first - OVERSCAN);
    const to = Math.min(rows, this.first + this.visible + OVERSCAN);
    const digits = Math.max(8, (this.bytes.length - 1).toString(16).length);
    const lines = [];
    for (let r = from; r < to; r++) {
      const start = r * PER_ROW;
      const chunk = this.bytes.subarray(start, start + PER_ROW);
      let hex = '';
      let asc = '';
      for (let i = 0; i < PER_ROW; i++) {
        const b = chunk[i];
        hex += b === undefined ? '  ' : HEX[b];
        if (i < PER_ROW - 1) hex += i === 7 ? '  ' : ' ';
        asc += b === undefined ? '' : CHAR[b];
      }
      // flex items: the whitespace between the spans in this template does not render
      lines.push(
        html`<div class="row" ${styleProps({ top: `${r * ROW}px` })}>
          <span class="off">${start.toString(16).padStart(digits, '0')}</span>
          <span class="hex">${hex}</span>
          <span class="asc">${asc}</span>
        </div>`,
      );
    }
    return html`<div class="scroller" @scroll=${this.onScroll}>
      <div class="spacer" ${styleProps({ height: `${rows * ROW}px` })}>${lines}</div>
    </div>`;
  }

  override firstUpdated(): void {
    const scroller = this.renderRoot.querySelector('.scroller');
    if (scroller) this.visible = Math.ceil(scroller.clientHeight / ROW) + 1;
  }

  private readonly onScroll = (event: Event): void => {
    const el = event.currentTarget as HTMLElement;
    const first = Math.floor(el.scrollTop / ROW);
    if (Math.abs(first - this.first) >= OVERSCAN / 2) this.first = first;
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-hex-view': HpHexView;
  }
}
