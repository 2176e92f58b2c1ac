/**
 * A small "Copy" button for a value (header, hash, fingerprint, PEM). Uses the async clipboard
 * when the page is a secure context and falls back to a hidden textarea otherwise (an analysis
 * host reached over plain HTTP). The value is only ever handled as text.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { shared } from '../styles/shared.js';

async function copyText(text: string, host: HTMLElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'offscreen';
    host.shadowRoot?.append(area);
    area.select();
    // execCommand is deprecated but is the only copy path outside secure contexts.
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

@customElement('hp-copy-button')
export class HpCopyButton extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: inline-block;
        flex: none;
      }
      button {
        padding: 0 7px;
        white-space: nowrap; /* "Copy" / "Copied" never wraps in a narrow table cell */
        font-size: 11px;
        line-height: 18px;
        color: var(--hp-muted);
        background: transparent;
        border-color: var(--hp-border);
      }
      button:hover {
        color: var(--hp-text);
      }
      .done {
        color: var(--hp-status-ok);
        border-color: var(--hp-status-ok);
      }
      .offscreen {
        position: fixed;
        left: -9999px;
        top: 0;
      }
    `,
  ];

  @property({ attribute: false }) accessor value = '';
  /** Accessible name, e.g. "Copy SHA-256". */
  @property() accessor label = 'Copy';
  @state() accessor copied = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  override render() {
    return html`<button
      class=${this.copied ? 'done' : ''}
      title=${this.label}
      aria-label=${this.label}
      @click=${this.onClick}
    >
      ${this.copied ? 'Copied' : 'Copy'}
    </button>`;
  }

  override disconnectedCallback(): void {
    clearTimeout(this.#timer);
    super.disconnectedCallback();
  }

  private readonly onClick = async (): Promise<void> => {
    if (await copyText(this.value, this)) {
      this.copied = true;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => (this.copied = false), 1200);
    }
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-copy-button': HpCopyButton;
  }
}
