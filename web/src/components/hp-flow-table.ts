/**
 * The traffic table, virtualized: a fixed row height, and only the rows in view (plus a margin) are
 * in the DOM, so 150k loaded rows scroll like 50. The header sorts (server side), resizes (drag the
 * edge), reorders (drag a header) and hides columns (right-click a header). Rows inserted above the
 * view keep what the analyst is looking at in place unless "follow" pins the view to the live edge.
 * It renders what it is given and reports intentions as events; it never fetches.
 *
 * @fires hp-select - `{ id }`: the cursor row moved (click or keys).
 * @fires hp-open - `{ id }`: open this flow in the detail pane (click, Enter).
 * @fires hp-close - Escape: close the detail pane.
 * @fires hp-focus-detail - Tab: move focus to the detail pane's tabs.
 * @fires hp-sort - `{ key }`: a header was clicked.
 * @fires hp-columns - `{ columns }`: widths, order or visibility changed.
 * @fires hp-need - `{ side }`: the view is near the loaded edge ('before' | 'after').
 * @fires hp-jump - `{ to }`: Home/End past the loaded rows ('start' | 'end').
 * @fires hp-follow - `{ on }`: the analyst scrolled away from (or back to) the live edge.
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { styleProps } from '../util/style-props.js';
import type { FlowSummary } from '@honeyproxy/protocol';
import {
  COLUMN_IDS,
  COLUMNS,
  gridTemplate,
  visibleColumns,
  type ColumnId,
  type ColumnPrefs,
} from '../state/columns.js';
import type { SortSpec } from '../state/route.js';
import { categorize } from '@honeyproxy/protocol';
import { shared } from '../styles/shared.js';
import { renderCell } from './flow-cells.js';
import { flowTableStyles } from './hp-flow-table.styles.js';

export const ROW_HEIGHT = 24;
export const HEADER_HEIGHT = 28;
const OVERSCAN = 8;
/** Ask for the next page when the view is this many rows from the loaded edge. */
const PREFETCH_ROWS = 400;

@customElement('hp-flow-table')
export class HpFlowTable extends LitElement {
  static override styles = [shared, flowTableStyles];

  @property({ attribute: false }) accessor rows: readonly FlowSummary[] = [];
  @property({ attribute: false }) accessor columns: ColumnPrefs = {
    order: COLUMN_IDS,
    hidden: [],
    widths: {},
  };
  @property({ attribute: false }) accessor sort: SortSpec = { key: 'start', dir: 'desc' };
  @property({ attribute: false }) accessor selectedId: string | null = null;
  /** Rows the highlight expression marks. */
  @property({ attribute: false }) accessor highlight: ((f: FlowSummary) => boolean) | null = null;
  /** Pinned to the live edge (the top in newest-first order). */
  @property({ type: Boolean }) accessor follow = false;
  @property({ type: Boolean }) accessor atStart = true;
  @property({ type: Boolean }) accessor atEnd = true;
  /** Changes when the rows are replaced rather than extended. */
  @property({ type: Number }) accessor generation = 0;
  /** Whether the detail pane is open (Tab moves into it). */
  @property({ type: Boolean }) accessor detailOpen = false;

  @state() accessor first = 0;
  @state() accessor visible = 40;
  @state() accessor menu: { x: number; y: number } | null = null;
  @state() accessor dragWidths: Partial<Record<ColumnId, number>> | null = null;

  #viewport: HTMLElement | null = null;
  #anchor: { id: string; index: number; offset: number } | null = null;
  #scrollToSelection = false;
  #pendingEdgeSelect: 'first' | 'last' | null = null;
  /**
   * The viewport's scroll offset and height, kept from scroll events and the ResizeObserver: reading
   * `scrollTop`/`clientHeight` after a render forces a synchronous layout, and with live rows
   * arriving that doubled the layout work of every update.
   */
  #scrollTop = 0;
  #height = 0;
  #resize = new ResizeObserver((entries) => {
    const box = entries.at(-1)?.contentRect;
    if (box) this.#height = box.height;
    this.measure();
  });
  #dragColumn: ColumnId | null = null;

  override disconnectedCallback(): void {
    this.#resize.disconnect();
    super.disconnectedCallback();
  }

  private get effectiveColumns(): ColumnPrefs {
    return this.dragWidths
      ? { ...this.columns, widths: { ...this.columns.widths, ...this.dragWidths } }
      : this.columns;
  }

  override render() {
    const cols = this.effectiveColumns;
    const visible = visibleColumns(cols);
    const template = gridTemplate(cols);
    const minWidth = visible.reduce((sum, c) => sum + c.width, 0);
    const grid = { 'grid-template-columns': template, 'min-width': `${minWidth}px` };
    const start = Math.max(0, this.first - OVERSCAN);
    const end = Math.min(this.rows.length, this.first + this.visible + OVERSCAN);
    const slice = this.rows.slice(start, end);
    const ids = visible.map((c) => c.def.id);
    return html`
      <div
        class="viewport"
        tabindex="0"
        role="grid"
        aria-rowcount=${this.rows.length}
        aria-label="Captured flows"
        @scroll=${this.onScroll}
        @keydown=${this.onKeyDown}
      >
        <div class="header" role="row" ${styleProps(grid)} @contextmenu=${this.onHeaderMenu}>
          ${visible.map(({ def }) => this.renderHeader(def.id))}
        </div>
        <div
          class="spacer"
          ${styleProps({ height: `${this.rows.length * ROW_HEIGHT}px`, 'min-width': `${minWidth}px` })}
        >
          <div
            class="rows"
            ${styleProps({ transform: `translateY(${start * ROW_HEIGHT}px)` })}
            @click=${this.onRowClick}
          >
            ${
              /* Unkeyed on purpose: while scrolling, the row elements are reused and only their
                 bindings change, instead of building new rows every frame. */
              slice.map((row, i) => this.renderRow(row, start + i, ids, grid))
            }
          </div>
        </div>
      </div>
      ${this.menu ? this.renderMenu() : nothing}
    `;
  }

  private renderHeader(id: ColumnId) {
    const def = COLUMNS[id];
    const active = this.sort.key === def.sortKey ? this.sort.dir : null;
    const aria = active === 'asc' ? 'ascending' : active === 'desc' ? 'descending' : 'none';
    return html`<div
      class="th ${def.numeric ? 'num' : ''} ${active ? 'sorted' : ''}"
      role="columnheader"
      aria-sort=${aria}
      data-col=${id}
      draggable="true"
      @dragstart=${this.onDragStart}
      @dragover=${this.onDragOver}
      @drop=${this.onDrop}
    >
      <button
        class="sort"
        data-col=${id}
        title="Sort by ${def.title.toLowerCase()}"
        @click=${this.onSortClick}
      >
        <span class="label">${def.label}</span
        ><span class="arrow">${active === 'asc' ? '▲' : active === 'desc' ? '▼' : ''}</span>
      </button>
      <span
        class="grip"
        data-col=${id}
        @pointerdown=${this.onGripDown}
        title="Drag to resize"
      ></span>
    </div>`;
  }

  private renderRow(
    row: FlowSummary,
    index: number,
    ids: readonly ColumnId[],
    grid: Readonly<Record<string, string>>,
  ) {
    const selected = row.id === this.selectedId;
    const marked = this.highlight?.(row) ?? false;
    return html`<div
      class="row cat-${categorize(row)} ${index % 2 ? 'odd' : ''} ${selected ? 'selected' : ''} ${marked ? 'hl' : ''}"
      role="row"
      aria-rowindex=${index + 1}
      aria-selected=${selected ? 'true' : 'false'}
      data-id=${row.id}
      ${styleProps(grid)}
    >
      ${ids.map((id) => renderCell(id, row))}
    </div>`;
  }

  private renderMenu() {
    const { x, y } = this.menu ?? { x: 0, y: 0 };
    return html`<div
        class="menu-backdrop"
        @click=${this.closeMenu}
        @contextmenu=${this.closeMenu}
      ></div>
      <div class="menu" role="menu" ${styleProps({ left: `${x}px`, top: `${y}px` })}>
        <div class="menu-title">Columns</div>
        ${this.columns.order.map((id) => {
          const def = COLUMNS[id];
          const shown = !this.columns.hidden.includes(id);
          return html`<label class="menu-item">
            <input
              type="checkbox"
              data-col=${id}
              .checked=${shown}
              ?disabled=${id === 'name'}
              @change=${this.onToggleColumn}
            />${def.label || def.title}</label
          >`;
        })}
        <button class="menu-reset" @click=${this.onResetColumns}>Reset columns</button>
      </div>`;
  }

  /** Opens the column chooser (also from the toolbar). */
  openColumnMenu(x: number, y: number): void {
    this.menu = { x, y };
  }

  // ---- scrolling and virtualization ----

  protected override firstUpdated(): void {
    this.#viewport = this.renderRoot.querySelector('.viewport');
    if (this.#viewport) {
      this.#resize.observe(this.#viewport);
      this.#height = this.#viewport.clientHeight;
      this.#scrollTop = this.#viewport.scrollTop;
    }
    this.measure();
  }

  private measure(): void {
    if (!this.#viewport) return;
    const visible = Math.ceil(this.#height / ROW_HEIGHT) + 1;
    const first = Math.floor(this.#scrollTop / ROW_HEIGHT);
    if (visible !== this.visible) this.visible = visible;
    if (first !== this.first) this.first = first;
    this.checkEdges();
  }

  private checkEdges(): void {
    if (this.rows.length === 0) return;
    if (!this.atStart && this.first < PREFETCH_ROWS) this.emit('hp-need', { side: 'before' });
    if (!this.atEnd && this.first + this.visible > this.rows.length - PREFETCH_ROWS)
      this.emit('hp-need', { side: 'after' });
  }

  private readonly onScroll = (): void => {
    const vp = this.#viewport;
    if (!vp) return;
    this.#scrollTop = vp.scrollTop;
    this.measure();
    // Scrolling away from the live edge ends "follow"; coming back to the very top resumes it.
    const atTop = this.#scrollTop < ROW_HEIGHT / 2 && this.atStart;
    if (this.follow && !atTop && this.#userScroll) this.emit('hp-follow', { on: false });
    this.#userScroll = true;
  };
  #userScroll = true;

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('rows') && this.#viewport) {
      const old = changed.get('rows') as readonly FlowSummary[] | undefined;
      const top = this.#scrollTop;
      const index = Math.floor(top / ROW_HEIGHT);
      const row = old?.[index];
      this.#anchor = row ? { id: row.id, index, offset: top - index * ROW_HEIGHT } : null;
    }
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    const vp = this.#viewport;
    if (!vp) return;
    if (changed.has('generation') && changed.get('generation') !== undefined) {
      this.setScroll(this.#pendingEdgeSelect === 'last' ? this.rows.length * ROW_HEIGHT : 0);
      if (this.#pendingEdgeSelect) {
        const row = this.#pendingEdgeSelect === 'first' ? this.rows[0] : this.rows.at(-1);
        this.#pendingEdgeSelect = null;
        if (row) {
          this.#scrollToSelection = true;
          this.emit('hp-select', { id: row.id });
        }
      }
    } else if (changed.has('rows')) {
      if (this.follow && this.atStart) this.setScroll(0);
      else this.keepAnchor();
    } else if (changed.has('follow') && this.follow && this.atStart) {
      this.setScroll(0); // follow switched on: go to the live edge
    }
    if (changed.has('rows') || changed.has('generation')) this.measure();
    if (this.#scrollToSelection && changed.has('selectedId')) {
      this.#scrollToSelection = false;
      this.revealSelection();
    }
  }

  private setScroll(top: number): void {
    const vp = this.#viewport;
    if (!vp || Math.abs(this.#scrollTop - top) < 1) return;
    this.#userScroll = false; // the scroll event this causes is ours, not the analyst's
    vp.scrollTop = top;
    this.#scrollTop = vp.scrollTop; // clamped to the content
  }

  /** Keeps the row that was at the top of the view there after rows were inserted above it. */
  private keepAnchor(): void {
    const anchor = this.#anchor;
    this.#anchor = null;
    if (!anchor) return;
    let index = this.rows[anchor.index]?.id === anchor.id ? anchor.index : -1;
    if (index < 0) {
      // Rows were added or dropped above: look near the old place first, then everywhere.
      for (let d = 1; d <= 4000 && index < 0; d++) {
        if (this.rows[anchor.index + d]?.id === anchor.id) index = anchor.index + d;
        else if (this.rows[anchor.index - d]?.id === anchor.id) index = anchor.index - d;
      }
      if (index < 0) index = this.rows.findIndex((r) => r.id === anchor.id);
    }
    if (index >= 0 && index !== anchor.index) this.setScroll(index * ROW_HEIGHT + anchor.offset);
  }

  private revealSelection(): void {
    const vp = this.#viewport;
    const index = this.rows.findIndex((r) => r.id === this.selectedId);
    if (!vp || index < 0) return;
    const top = index * ROW_HEIGHT;
    const headerHeight = HEADER_HEIGHT;
    if (top < vp.scrollTop) vp.scrollTop = top;
    else if (top + ROW_HEIGHT > vp.scrollTop + vp.clientHeight - headerHeight)
      vp.scrollTop = top + ROW_HEIGHT - vp.clientHeight + headerHeight;
  }

  // ---- events ----

  private emit(name: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private readonly onRowClick = (event: Event): void => {
    const target = event.target instanceof Element ? event.target.closest('.row[data-id]') : null;
    const id = target?.getAttribute('data-id');
    if (!id) return;
    this.emit('hp-select', { id });
    this.emit('hp-open', { id });
  };

  private readonly onSortClick = (event: Event): void => {
    const col = (event.currentTarget as HTMLElement).dataset['col'];
    const def = col !== undefined && col in COLUMNS ? COLUMNS[col as ColumnId] : undefined;
    if (def) this.emit('hp-sort', { key: def.sortKey });
  };

  private readonly onKeyDown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape') {
      this.emit('hp-close');
      return;
    }
    if (event.key === 'Enter') {
      if (this.selectedId) this.emit('hp-open', { id: this.selectedId });
      return;
    }
    if (event.key === 'Tab' && !event.shiftKey && this.detailOpen) {
      event.preventDefault();
      this.emit('hp-focus-detail');
      return;
    }
    const page = Math.max(1, this.visible - 2);
    const moves: Record<string, ((i: number) => number) | undefined> = {
      ArrowDown: (i) => i + 1,
      ArrowUp: (i) => (i < 0 ? 0 : i - 1),
      PageDown: (i) => i + page,
      PageUp: (i) => Math.max(0, i - page),
      Home: () => 0,
      End: () => this.rows.length - 1,
    };
    const move = moves[event.key];
    if (!move || this.rows.length === 0) return;
    event.preventDefault();
    if (event.key === 'Home' && !this.atStart) {
      this.#pendingEdgeSelect = 'first';
      this.emit('hp-jump', { to: 'start' });
      return;
    }
    if (event.key === 'End' && !this.atEnd) {
      this.#pendingEdgeSelect = 'last';
      this.emit('hp-jump', { to: 'end' });
      return;
    }
    const current = this.selectedId === null ? -1 : this.indexOf(this.selectedId);
    const next = this.rows[Math.max(0, Math.min(this.rows.length - 1, move(current)))];
    if (next && next.id !== this.selectedId) {
      this.#scrollToSelection = true;
      this.emit('hp-select', { id: next.id });
    }
  };

  /** Index of a row, looking around the view first (cheap in a 150k-row window). */
  private indexOf(id: string): number {
    for (
      let i = Math.max(0, this.first - 200);
      i < Math.min(this.rows.length, this.first + 400);
      i++
    )
      if (this.rows[i]?.id === id) return i;
    return this.rows.findIndex((r) => r.id === id);
  }

  // ---- column resize / reorder / hide ----

  private readonly onGripDown = (event: PointerEvent): void => {
    const grip = event.currentTarget as HTMLElement;
    const col = grip.dataset['col'];
    if (col === undefined || !(col in COLUMNS)) return;
    const id = col as ColumnId;
    event.preventDefault();
    event.stopPropagation();
    const startX = event.clientX;
    const def = COLUMNS[id];
    const startWidth = Math.max(def.minWidth, this.columns.widths[id] ?? def.width);
    grip.setPointerCapture(event.pointerId);
    const onMove = (e: PointerEvent) => {
      const width = Math.round(Math.max(def.minWidth, startWidth + e.clientX - startX));
      this.dragWidths = { [id]: width };
    };
    const onUp = () => {
      grip.removeEventListener('pointermove', onMove);
      grip.removeEventListener('pointerup', onUp);
      grip.removeEventListener('pointercancel', onUp);
      const widths = this.dragWidths;
      this.dragWidths = null;
      if (widths)
        this.emitColumns({ ...this.columns, widths: { ...this.columns.widths, ...widths } });
    };
    grip.addEventListener('pointermove', onMove);
    grip.addEventListener('pointerup', onUp);
    grip.addEventListener('pointercancel', onUp);
  };

  private readonly onDragStart = (event: DragEvent): void => {
    const col = (event.currentTarget as HTMLElement).dataset['col'];
    this.#dragColumn = col !== undefined && col in COLUMNS ? (col as ColumnId) : null;
    event.dataTransfer?.setData('text/plain', col ?? '');
    if (event.dataTransfer) event.dataTransfer.effectAllowed = 'move';
  };

  private readonly onDragOver = (event: DragEvent): void => {
    if (this.#dragColumn) event.preventDefault();
  };

  private readonly onDrop = (event: DragEvent): void => {
    event.preventDefault();
    const target = (event.currentTarget as HTMLElement).dataset['col'];
    const moving = this.#dragColumn;
    this.#dragColumn = null;
    if (!moving || target === undefined || target === moving || !(target in COLUMNS)) return;
    const order = this.columns.order.filter((id) => id !== moving);
    order.splice(order.indexOf(target as ColumnId), 0, moving);
    this.emitColumns({ ...this.columns, order });
  };

  private readonly onHeaderMenu = (event: MouseEvent): void => {
    event.preventDefault();
    const box = this.getBoundingClientRect();
    this.openColumnMenu(event.clientX - box.left, event.clientY - box.top);
  };

  private readonly closeMenu = (event: Event): void => {
    event.preventDefault();
    this.menu = null;
  };

  private readonly onToggleColumn = (event: Event): void => {
    const input = event.currentTarget as HTMLInputElement;
    const col = input.dataset['col'];
    if (col === undefined || !(col in COLUMNS)) return;
    const id = col as ColumnId;
    const hidden = input.checked
      ? this.columns.hidden.filter((h) => h !== id)
      : [...this.columns.hidden, id];
    this.emitColumns({ ...this.columns, hidden });
  };

  private readonly onResetColumns = (): void => {
    this.menu = null;
    this.emit('hp-columns', { columns: null });
  };

  private emitColumns(columns: ColumnPrefs): void {
    this.emit('hp-columns', { columns });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-flow-table': HpFlowTable;
  }
}
