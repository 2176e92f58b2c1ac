/**
 * Captured code (JavaScript, CSS, JSON, XML/HTML source) pretty-printed and highlighted by the
 * worker, rendered as text segments. Up to HIGHLIGHT_MAX it happens automatically; above it the
 * start is shown as plain text with "format & highlight anyway" and "show everything" buttons, so
 * a 5 MB one-line script never freezes the tab. Plain text is always the fallback.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { shared } from '../styles/shared.js';
import { detailStyles } from '../detail/detail-styles.js';
import { formatSize } from '../util/format.js';
import type { Token } from './code-tokens.js';
import { highlight } from './highlight-client.js';
import type { CodeLanguage } from './highlight-protocol.js';

/** Characters highlighted without asking. */
export const HIGHLIGHT_MAX = 256 * 1024;
/** Characters of plain text shown before "show everything". */
export const PLAIN_MAX = 256 * 1024;
/** Highlighted segments put in the DOM; the rest of a huge result follows as one text node. */
export const MAX_TOKENS = 40_000;

@customElement('hp-code-view')
export class HpCodeView extends LitElement {
  static override styles = [
    shared,
    detailStyles,
    css`
      pre.code {
        max-height: var(--hp-code-height, none);
        overflow: auto;
      }
      .t-keyword,
      .t-selector-tag,
      .t-tag .t-name,
      .t-name,
      .t-built_in,
      .t-literal {
        color: var(--hp-code-keyword, #a626a4);
      }
      .t-string,
      .t-attr .t-string,
      .t-regexp,
      .t-selector-attr {
        color: var(--hp-code-string, #2f7a32);
      }
      .t-number,
      .t-variable,
      .t-template-variable,
      .t-params {
        color: var(--hp-code-number, #986801);
      }
      .t-comment,
      .t-meta {
        color: var(--hp-faint);
        font-style: italic;
      }
      .t-title,
      .t-function,
      .t-attr,
      .t-attribute,
      .t-selector-class,
      .t-selector-id,
      .t-property {
        color: var(--hp-code-title, #0a5fc4);
      }
      .t-punctuation {
        color: var(--hp-muted);
      }
      @media (prefers-color-scheme: dark) {
        :host {
          --hp-code-keyword: #d19aea;
          --hp-code-string: #8fd18b;
          --hp-code-number: #e5b567;
          --hp-code-title: #6fb3ff;
        }
      }
    `,
  ];

  @property({ attribute: false }) accessor text = '';
  @property() accessor language: CodeLanguage = 'javascript';
  /** Pretty-print before highlighting. */
  @property({ type: Boolean }) accessor format = true;
  @state() accessor tokens: Token[] | null = null;
  @state() accessor status: 'plain' | 'working' | 'failed' = 'plain';
  @state() accessor failure = '';
  @state() accessor showAll = false;
  #job = 0;

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('text') || changed.has('language') || changed.has('format')) {
      this.tokens = null;
      this.showAll = false;
      this.status = 'plain';
      if (this.text.length <= HIGHLIGHT_MAX) this.start();
    }
  }

  private start(): void {
    const job = ++this.#job;
    this.status = 'working';
    highlight(this.language, this.text, this.format).then(
      (tokens) => {
        if (job !== this.#job) return;
        this.tokens = tokens;
        this.status = 'plain';
      },
      (err: unknown) => {
        if (job !== this.#job) return;
        this.status = 'failed';
        this.failure = err instanceof Error ? err.message : String(err);
      },
    );
  }

  override render() {
    const big = this.text.length > HIGHLIGHT_MAX;
    const bar = html`<div class="toolbar">
      <span class="muted"
        >${this.language.toUpperCase()} · ${formatSize(this.text.length)} of text</span
      >
      ${this.status === 'working' ? html`<span class="badge">formatting…</span>` : nothing}
      ${this.tokens ? html`<span class="badge ok">${this.format ? 'formatted' : 'highlighted'}</span>` : nothing}
      <span class="spacer"></span>
      ${
        big && !this.tokens && this.status !== 'working'
          ? html`<button @click=${this.onHighlightAnyway}>Format &amp; highlight anyway</button>`
          : nothing
      }
      ${
        !this.tokens && this.text.length > PLAIN_MAX && !this.showAll
          ? html`<button @click=${this.onShowAll}>Show all ${formatSize(this.text.length)}</button>`
          : nothing
      }
    </div>`;
    if (this.tokens) {
      const shown = this.tokens.slice(0, MAX_TOKENS);
      const rest =
        this.tokens.length > MAX_TOKENS
          ? this.tokens
              .slice(MAX_TOKENS)
              .map(([t]) => t)
              .join('')
          : '';
      return html`${bar}
        <pre class="code">
${shown.map(([text, cls]) => (cls ? html`<span class=${cls}>${text}</span>` : text))}${rest}</pre>`;
    }
    const cut = !this.showAll && this.text.length > PLAIN_MAX;
    return html`${bar}
      ${
        this.status === 'failed'
          ? html`<div class="notice">Not highlighted (${this.failure}); shown as plain text.</div>`
          : nothing
      }
      ${
        big && this.status !== 'working'
          ? html`<div class="notice">
              Larger than ${formatSize(HIGHLIGHT_MAX)}: shown as plain
              text${cut ? `, first ${formatSize(PLAIN_MAX)}` : ''}.
            </div>`
          : nothing
      }
      <pre class="code">${cut ? this.text.slice(0, PLAIN_MAX) : this.text}</pre>`;
  }

  private readonly onHighlightAnyway = (): void => {
    this.start();
  };

  private readonly onShowAll = (): void => {
    this.showAll = true;
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-code-view': HpCodeView;
  }
}
