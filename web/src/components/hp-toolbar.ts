/**
 * The list toolbar: filter (applied by the server) and highlight (marks rows in place) expressions,
 * checked as they are typed with the same parser the server uses; the "N new" badge; follow, layout
 * and column controls. Expressions are committed on Enter or after a pause in typing.
 *
 * @fires hp-filter - `{ q }`
 * @fires hp-highlight - `{ hl }`
 * @fires hp-follow - `{ on }`
 * @fires hp-layout - `{ layout }`
 * @fires hp-columns-menu - `{ x, y }`: open the column chooser here.
 * @fires hp-show-new - jump to the live edge (reload).
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { FilterSyntaxError, needsServer, parseFilter } from '@honeyproxy/protocol';
import type { Layout } from '../state/route.js';
import { shared } from '../styles/shared.js';
import { formatCount } from '../util/format.js';

const COMMIT_DELAY_MS = 500;

function problem(text: string): string | null {
  try {
    parseFilter(text);
    return null;
  } catch (err) {
    return err instanceof FilterSyntaxError ? `${err.message} (at ${err.position})` : String(err);
  }
}

const FILTER_HELP =
  'Filter (server side), mitmproxy style: ~u url  ~d host  ~m method  ~c 404 | 4xx  ~t declared type  ' +
  '~mime sniffed type  ~mismatch  ~size >10k  ~dur >500ms  ~e error  ~s / ~q with / without response  ' +
  '~tls  ~sensor  ~src  ~dst  ~path  ~a asset (script, style, image, font);  ' +
  'headers ("name: value" lines): ~h  ~hq request  ~hs response;  Content-Type with parameters: ~tq  ~ts;  ' +
  'bodies as captured — compressed ones are not decoded, bytes outside ASCII are \\ooo — : ~b  ~bq  ~bs;  ' +
  '~sha256 <hash>;  ! & | ( );  a bare word matches the URL. Regexes, case-insensitive. ' +
  'Header/body searches scan and stop at a timeout (10 s by default): narrow them with ~d, ~c…';

@customElement('hp-toolbar')
export class HpToolbar extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: flex;
        align-items: center;
        gap: var(--hp-space-2);
        height: 38px;
        padding: 0 var(--hp-space-3);
        background: var(--hp-bg);
        border-bottom: 1px solid var(--hp-border);
      }
      .field {
        position: relative;
        display: flex;
        align-items: center;
        flex: 1 1 0;
        min-width: 120px;
      }
      .field.hl {
        flex: 0.6 1 0;
      }
      .field svg {
        position: absolute;
        left: 8px;
        width: 14px;
        height: 14px;
        color: var(--hp-faint);
        pointer-events: none;
      }
      input[type='search'] {
        width: 100%;
        height: 26px;
        padding: 0 8px 0 28px;
        font-family: var(--hp-mono);
        font-size: var(--hp-mono-size);
        color: var(--hp-text);
        background: var(--hp-surface);
        border: 1px solid var(--hp-border-strong);
        border-radius: var(--hp-radius);
      }
      input[type='search']:focus {
        outline: 2px solid var(--hp-focus);
        outline-offset: -1px;
        background: var(--hp-bg);
      }
      .field.active input {
        border-color: var(--hp-accent);
      }
      .field.hl.active input {
        border-color: var(--hp-highlight-edge);
      }
      .field.invalid input {
        border-color: var(--hp-status-server);
        outline-color: var(--hp-status-server);
      }
      .error {
        position: absolute;
        top: 30px;
        left: 0;
        z-index: 5;
        padding: 4px 8px;
        font-size: 12px;
        white-space: nowrap;
        color: var(--hp-status-server);
        background: var(--hp-error-bg);
        border: 1px solid var(--hp-error-border);
        border-radius: var(--hp-radius);
      }
      .new {
        border-color: var(--hp-accent);
        color: var(--hp-accent);
        font-weight: 600;
        white-space: nowrap;
      }
      .toggle[aria-pressed='true'] {
        background: var(--hp-selected);
        border-color: var(--hp-accent);
        color: var(--hp-selected-text);
      }
      button {
        height: 26px;
        white-space: nowrap;
      }
      .sep {
        width: 1px;
        height: 20px;
        background: var(--hp-border);
      }
    `,
  ];

  @property() accessor q = '';
  @property() accessor hl = '';
  @property({ type: Boolean }) accessor follow = false;
  @property() accessor layout: Layout = 'bottom';
  @property({ type: Number }) accessor unseen = 0;
  /** The server refused the filter (e.g. a regex PostgreSQL does not accept). */
  @property() accessor serverError: string | null = null;

  @state() accessor qDraft: string | null = null;
  @state() accessor hlDraft: string | null = null;
  #timers: Partial<Record<'q' | 'hl', ReturnType<typeof setTimeout>>> = {};

  override render() {
    const q = this.qDraft ?? this.q;
    const hl = this.hlDraft ?? this.hl;
    const qProblem = problem(q) ?? (this.qDraft === null ? this.serverError : null);
    const hlProblem =
      problem(hl) ??
      (needsServer(parseFilter(hl))
        ? 'header, body and hash operators (~h ~b ~tq ~ts ~sha256…) work in the filter, not in highlight'
        : null);
    return html`
      ${this.renderField('q', q, qProblem, 'Filter: ~d example.com ~m POST ~c 4xx', FILTER_HELP)}
      ${this.renderField('hl', hl, hlProblem, 'Highlight: ~mismatch | ~c 5xx', 'Highlight rows matching this expression (same language as the filter)')}
      ${
        this.unseen > 0
          ? html`<button class="new" @click=${this.onShowNew} title="Show the newest flows">
              ${formatCount(this.unseen)} new ↑
            </button>`
          : nothing
      }
      <span class="sep"></span>
      <button
        class="toggle"
        aria-pressed=${this.follow ? 'true' : 'false'}
        title="Keep the newest flows in view as they arrive"
        @click=${this.onFollow}
      >
        Follow
      </button>
      <button
        class="toggle layout"
        title="Detail pane ${this.layout === 'bottom' ? 'below' : 'beside'} the table (click to switch)"
        @click=${this.onLayout}
      >
        ${this.layout === 'bottom' ? 'Pane: below' : 'Pane: right'}
      </button>
      <button class="columns" title="Choose columns" @click=${this.onColumns}>Columns</button>
    `;
  }

  private renderField(
    name: 'q' | 'hl',
    value: string,
    error: string | null,
    placeholder: string,
    help: string,
  ) {
    const committed = name === 'q' ? this.q : this.hl;
    return html`<label
      class="field ${name} ${committed ? 'active' : ''} ${error ? 'invalid' : ''}"
      title=${help}
    >
      ${
        name === 'q'
          ? html`<svg viewBox="0 0 16 16" aria-hidden="true">
              <path fill="currentColor" d="M1.5 2h13l-5 6v5l-3 1.5V8l-5-6Z" />
            </svg>`
          : html`<svg viewBox="0 0 16 16" aria-hidden="true">
              <path
                fill="currentColor"
                d="M10.5 1.5 14.5 5.5 7 13H3v-4l7.5-7.5ZM2 14.5h12V16H2v-1.5Z"
              />
            </svg>`
      }
      <input
        type="search"
        name=${name}
        .value=${value}
        placeholder=${placeholder}
        aria-label=${name === 'q' ? 'Filter expression' : 'Highlight expression'}
        aria-invalid=${error ? 'true' : 'false'}
        spellcheck="false"
        autocomplete="off"
        @input=${this.onInput}
        @keydown=${this.onInputKey}
        @blur=${this.onBlur}
      />
      ${error ? html`<span class="error" role="alert">${error}</span>` : nothing}
    </label>`;
  }

  private emit(name: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private commit(name: 'q' | 'hl'): void {
    clearTimeout(this.#timers[name]);
    const draft = name === 'q' ? this.qDraft : this.hlDraft;
    if (draft === null) return;
    if (problem(draft) !== null) return; // stays a draft, the error shows
    if (name === 'q') {
      this.qDraft = null;
      if (draft !== this.q) this.emit('hp-filter', { q: draft.trim() });
    } else {
      this.hlDraft = null;
      if (draft !== this.hl) this.emit('hp-highlight', { hl: draft.trim() });
    }
  }

  private readonly onInput = (event: Event): void => {
    const input = event.currentTarget as HTMLInputElement;
    const name = input.name === 'q' ? 'q' : 'hl';
    if (name === 'q') this.qDraft = input.value;
    else this.hlDraft = input.value;
    clearTimeout(this.#timers[name]);
    this.#timers[name] = setTimeout(() => this.commit(name), COMMIT_DELAY_MS);
  };

  private readonly onInputKey = (event: KeyboardEvent): void => {
    const input = event.currentTarget as HTMLInputElement;
    if (event.key === 'Enter') this.commit(input.name === 'q' ? 'q' : 'hl');
  };

  private readonly onBlur = (event: Event): void => {
    const input = event.currentTarget as HTMLInputElement;
    this.commit(input.name === 'q' ? 'q' : 'hl');
  };

  private readonly onShowNew = (): void => {
    this.emit('hp-show-new');
  };

  private readonly onFollow = (): void => {
    this.emit('hp-follow', { on: !this.follow });
  };

  private readonly onLayout = (): void => {
    this.emit('hp-layout', { layout: this.layout === 'bottom' ? 'right' : 'bottom' });
  };

  private readonly onColumns = (event: Event): void => {
    const button = event.currentTarget as HTMLElement;
    const box = button.getBoundingClientRect();
    this.emit('hp-columns-menu', { x: box.right - 200, y: box.bottom + 4 });
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-toolbar': HpToolbar;
  }
}
