/**
 * The traffic table: one row per flow summary, sortable by clicking a header, keyboard navigable
 * (↑/↓, Home/End). Renders the rows it is given (already sorted) and reports what the user wants
 * through events; it never fetches. Columns hide by container width so the detail pane fits.
 *
 * @fires hp-select - detail `{ id }`: a row was chosen.
 * @fires hp-sort - detail `{ key }`: a column header was clicked.
 * @fires hp-load-older - the "load older" button was clicked.
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { ErrorKind, FlowSummary } from '@honeyproxy/protocol';
import type { SortKey, SortSpec } from '../state/route.js';
import type { OlderStatus } from '../state/app-state.js';
import {
  formatDateTime,
  formatDuration,
  formatSize,
  formatTime,
  statusClass,
} from '../util/format.js';
import { shared } from '../styles/shared.js';
import { flowTableStyles } from './hp-flow-table.styles.js';

interface Column {
  key: SortKey;
  label: string;
  numeric?: boolean;
}

const COLUMNS: readonly Column[] = [
  { key: 'method', label: 'Method' },
  { key: 'host', label: 'Host' },
  { key: 'path', label: 'Path' },
  { key: 'status', label: 'Status' },
  { key: 'type', label: 'Type' },
  { key: 'size', label: 'Size', numeric: true },
  { key: 'start', label: 'Time', numeric: true },
  { key: 'duration', label: 'Duration', numeric: true },
];

const lock = html`<svg class="lock" viewBox="0 0 16 16" aria-label="TLS" role="img">
  <path
    fill="currentColor"
    d="M5 7V5a3 3 0 0 1 6 0v2h.5A1.5 1.5 0 0 1 13 8.5v5a1.5 1.5 0 0 1-1.5 1.5h-7A1.5 1.5 0 0 1 3 13.5v-5A1.5 1.5 0 0 1 4.5 7H5Zm1.5 0h3V5a1.5 1.5 0 0 0-3 0v2Z"
  />
</svg>`;

/** Short status-column labels for flows that ended without a response. */
const ERROR_LABEL: Record<ErrorKind, string> = {
  'client-abort': 'aborted',
  'upstream-unreachable': 'no server',
  'tls-failure': 'TLS error',
  protocol: 'bad HTTP',
  blocked: 'blocked',
};

@customElement('hp-flow-table')
export class HpFlowTable extends LitElement {
  static override styles = [shared, flowTableStyles];

  @property({ attribute: false }) accessor rows: readonly FlowSummary[] = [];
  @property({ attribute: false }) accessor sort: SortSpec | null = null;
  @property({ attribute: false }) accessor selectedId: string | null = null;
  /** An older page exists. */
  @property({ type: Boolean }) accessor more = false;
  @property({ attribute: false }) accessor older: OlderStatus = { state: 'idle' };

  #scrollToSelection = false;

  override render() {
    return html`
      <div class="scroller" tabindex="0" @keydown=${this.onKeyDown} aria-label="Captured flows">
        <table>
          <colgroup>
            ${COLUMNS.map((c) => html`<col class="c-${c.key}" />`)}
          </colgroup>
          <thead>
            <tr>
              ${COLUMNS.map((c) => this.renderHeader(c))}
            </tr>
          </thead>
          <tbody @click=${this.onRowClick}>
            ${repeat(
              this.rows,
              (row) => row.id,
              (row) => this.renderRow(row),
            )}
          </tbody>
        </table>
        ${this.renderFooter()}
      </div>
    `;
  }

  private renderHeader(column: Column) {
    const active = this.sort?.key === column.key ? this.sort.dir : null;
    const aria = active === 'asc' ? 'ascending' : active === 'desc' ? 'descending' : 'none';
    return html`<th class="c-${column.key} ${column.numeric ? 'num' : ''}" aria-sort=${aria}>
      <button
        class="sort"
        data-key=${column.key}
        @click=${this.onSortClick}
        title="Sort by ${column.label.toLowerCase()}"
      >
        ${column.label}<span class="arrow"
          >${active === 'asc' ? '▲' : active === 'desc' ? '▼' : ''}</span
        >
      </button>
    </th>`;
  }

  private renderRow(row: FlowSummary) {
    const selected = row.id === this.selectedId;
    return html`<tr
      data-id=${row.id}
      class=${selected ? 'selected' : ''}
      aria-selected=${selected ? 'true' : 'false'}
    >
      <td class="c-method">${row.method}</td>
      <td class="c-host"><span class="tls">${row.tls ? lock : nothing}</span>${row.host}</td>
      <td class="c-path mono" title=${row.path}>${row.path}</td>
      ${this.renderStatus(row)}
      <td class="c-type muted">${row.contentType ?? ''}</td>
      <td class="c-size num">${formatSize(row.size)}</td>
      <td class="c-start num" title=${formatDateTime(row.start)}>${formatTime(row.start)}</td>
      <td class="c-duration num">${formatDuration(row.duration)}</td>
    </tr>`;
  }

  private renderStatus(row: FlowSummary) {
    const klass = `c-status ${statusClass(row.status)}`;
    if (row.status !== null) return html`<td class=${klass}>${row.status}</td>`;
    if (row.error === null) return html`<td class=${klass}>—</td>`;
    return html`<td class="${klass} failed" title=${row.error}>${ERROR_LABEL[row.error]}</td>`;
  }

  private renderFooter() {
    if (this.older.state === 'loading')
      return html`<div class="footer muted">Loading older flows…</div>`;
    if (this.older.state === 'error') {
      return html`<div class="footer">
        <span class="s-err">${this.older.message}</span>
        <button @click=${this.onLoadOlder}>Retry</button>
      </div>`;
    }
    if (this.more)
      return html`<div class="footer">
        <button @click=${this.onLoadOlder}>Load older flows</button>
      </div>`;
    return this.rows.length > 0
      ? html`<div class="footer muted">Start of the capture</div>`
      : nothing;
  }

  protected override updated(): void {
    if (!this.#scrollToSelection) return;
    this.#scrollToSelection = false;
    this.renderRoot.querySelector('tr.selected')?.scrollIntoView({ block: 'nearest' });
  }

  private emit(name: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private readonly onRowClick = (event: Event): void => {
    const target = event.target instanceof Element ? event.target.closest('tr[data-id]') : null;
    const id = target?.getAttribute('data-id');
    if (id) this.emit('hp-select', { id });
  };

  private readonly onSortClick = (event: Event): void => {
    const key = (event.currentTarget as HTMLElement).dataset['key'];
    if (key) this.emit('hp-sort', { key });
  };

  private readonly onLoadOlder = (): void => {
    this.emit('hp-load-older');
  };

  private readonly onKeyDown = (event: KeyboardEvent): void => {
    const moves: Record<string, (index: number) => number> = {
      ArrowDown: (i) => i + 1,
      ArrowUp: (i) => (i < 0 ? 0 : i - 1),
      Home: () => 0,
      End: () => this.rows.length - 1,
    };
    const move = moves[event.key];
    if (!move || this.rows.length === 0) return;
    event.preventDefault();
    const current = this.rows.findIndex((r) => r.id === this.selectedId);
    const next = this.rows[Math.max(0, Math.min(this.rows.length - 1, move(current)))];
    if (next && next.id !== this.selectedId) {
      this.#scrollToSelection = true;
      this.emit('hp-select', { id: next.id });
    }
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-flow-table': HpFlowTable;
  }
}
