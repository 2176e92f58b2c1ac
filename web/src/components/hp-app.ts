/**
 * The application shell: top bar, toolbar (filter, highlight, follow, layout, columns), the traffic
 * table (or the quick start when nothing is captured yet) and the detail pane of the flow the URL
 * names, below or beside the table with a draggable divider. In a pop-out window (`?popout=1`) it
 * renders the pane alone. The only element that reads the store; it passes plain properties down and
 * turns its children's events into navigation and actions.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import {
  compileFilter,
  parseFilter,
  type FlowSortKey,
  type FlowSummary,
} from '@honeyproxy/protocol';
import type { AppServices } from '../state/app-services.js';
import type { AppState } from '../state/app-state.js';
import { DEFAULT_COLUMN_PREFS, type ColumnPrefs } from '../state/columns.js';
import { clampSplit } from '../state/prefs.js';
import { formatRoute, sortOf, type Layout, type Route, type SortSpec } from '../state/route.js';
import { parseDetailTab } from '../detail/detail-tabs.js';
import { StoreController } from '../state/store-controller.js';
import { styleProps } from '../util/style-props.js';
import { shared } from '../styles/shared.js';
import { theme } from '../styles/theme.js';
import './hp-top-bar.js';
import './hp-toolbar.js';
import './hp-flow-table.js';
import './hp-flow-helpers.js';
import './hp-empty-state.js';
import '../detail/hp-flow-detail.js';
import '../sensors/hp-sensors-view.js';
import type { HpFlowTable } from './hp-flow-table.js';

function detailOf<T>(event: Event): Partial<T> {
  return event instanceof CustomEvent ? ((event.detail ?? {}) as Partial<T>) : {};
}

/** Numbers and times start biggest/newest first; text starts A→Z. A second click flips. */
const DESC_FIRST = new Set<FlowSortKey>(['start', 'size', 'duration', 'status']);

export function nextSort(current: SortSpec, key: FlowSortKey): SortSpec | null {
  const next: SortSpec =
    current.key === key
      ? { key, dir: current.dir === 'asc' ? 'desc' : 'asc' }
      : { key, dir: DESC_FIRST.has(key) ? 'desc' : 'asc' };
  return next.key === 'start' && next.dir === 'desc' ? null : next;
}

/** A highlight predicate for an expression (null when empty or invalid), memoised by text. */
function highlighter(): (text: string) => ((f: FlowSummary) => boolean) | null {
  let last = '';
  let result: ((f: FlowSummary) => boolean) | null = null;
  return (text) => {
    if (text === last) return result;
    last = text;
    try {
      const node = parseFilter(text);
      result = node === null ? null : compileFilter(node);
    } catch {
      result = null;
    }
    return result;
  };
}

@customElement('hp-app')
export class HpApp extends LitElement {
  static override styles = [
    theme,
    shared,
    css`
      :host {
        display: flex;
        flex-direction: column;
        height: 100vh;
        background: var(--hp-bg);
        color: var(--hp-text);
      }
      main {
        flex: 1;
        display: flex;
        flex-direction: column;
        min-height: 0;
        min-width: 0;
      }
      main.right {
        flex-direction: row;
      }
      .list {
        flex: 1 1 0;
        min-width: 0;
        min-height: 0;
        display: flex;
        flex-direction: column;
      }
      .list > * {
        flex: 1;
        min-height: 0;
      }
      .pane {
        display: flex;
        flex-direction: column;
        min-width: 0;
        min-height: 0;
        background: var(--hp-bg);
      }
      .pane hp-flow-detail {
        flex: 1;
        min-height: 0;
      }
      .divider {
        flex: none;
        background: var(--hp-border);
        position: relative;
        z-index: 3;
      }
      main.bottom > .divider {
        height: 1px;
        cursor: row-resize;
      }
      main.right > .divider {
        width: 1px;
        cursor: col-resize;
      }
      .divider::after {
        content: '';
        position: absolute;
        inset: -3px;
      }
      main.bottom > .divider::after {
        inset: -3px 0;
      }
      main.right > .divider::after {
        inset: 0 -3px;
      }
      .divider:hover,
      .divider.dragging {
        background: var(--hp-focus);
      }
      .center {
        display: grid;
        place-content: center;
        justify-items: center;
        gap: var(--hp-space-3);
        color: var(--hp-muted);
      }
      .popout {
        flex: 1;
        min-height: 0;
        display: flex;
        flex-direction: column;
      }
      .popout hp-flow-detail {
        flex: 1;
        min-height: 0;
      }
    `,
  ];

  @property({ attribute: false }) accessor services: AppServices | undefined = undefined;
  @state() accessor dragSplit: number | null = null;

  #state: StoreController<AppState> | undefined;
  readonly #highlight = highlighter();

  override connectedCallback(): void {
    if (this.services && !this.#state)
      this.#state = new StoreController(this, this.services.store, (s) => s);
    super.connectedCallback();
  }

  override render() {
    const state = this.#state?.value;
    const services = this.services;
    if (!state || !services) return nothing;
    const { route } = state;
    if (route.popout && route.flowId !== null) {
      return html`<div class="popout" @hp-tab=${this.onTab}>
        <hp-flow-detail popout .detail=${state.detail} .tab=${route.tab}></hp-flow-detail>
      </div>`;
    }
    if (state.sensorsView) {
      return html`<hp-top-bar
          .me=${state.me}
          .live=${state.live}
          .count=${state.list.rows.length}
        ></hp-top-bar>
        <hp-sensors-view .sensors=${state.sensors} .error=${state.sensorsError}></hp-sensors-view>`;
    }
    const open = route.flowId !== null;
    const split = this.dragSplit ?? state.prefs.split[route.layout];
    const paneSize = `${(split * 100).toFixed(2)}%`;
    return html`
      <hp-top-bar
        .me=${state.me}
        .live=${state.live}
        .count=${state.list.rows.length}
        ?more=${!state.list.atEnd || !state.list.atStart}
      ></hp-top-bar>
      <hp-toolbar
        .q=${route.q}
        .hl=${route.hl}
        ?follow=${state.prefs.follow}
        .layout=${route.layout}
        .unseen=${state.list.unseen}
        .serverError=${state.list.status.state === 'error' && route.q ? state.list.status.message : null}
        @hp-filter=${this.onFilter}
        @hp-highlight=${this.onHighlight}
        @hp-follow=${this.onFollow}
        @hp-layout=${this.onLayout}
        @hp-columns-menu=${this.onColumnsMenu}
        @hp-show-new=${this.onShowNew}
      ></hp-toolbar>
      <main
        class=${route.layout}
        @hp-select=${this.onSelect}
        @hp-open=${this.onOpen}
        @hp-sort=${this.onSort}
        @hp-columns=${this.onColumns}
        @hp-need=${this.onNeed}
        @hp-jump=${this.onJump}
        @hp-follow=${this.onFollow}
        @hp-close=${this.onClose}
        @hp-tab=${this.onTab}
        @hp-popout=${this.onPopout}
        @hp-focus-detail=${this.onFocusDetail}
        @hp-filter-similar=${this.onFilterSimilar}
      >
        <div class="list">${this.renderList(state)}</div>
        ${
          open
            ? html`<div
                  class="divider ${this.dragSplit !== null ? 'dragging' : ''}"
                  role="separator"
                  aria-orientation=${route.layout === 'bottom' ? 'horizontal' : 'vertical'}
                  title="Drag to resize"
                  @pointerdown=${this.onDividerDown}
                ></div>
                <section
                  class="pane"
                  ${styleProps({ flex: `0 0 ${paneSize}` })}
                  aria-label="Flow details"
                >
                  <hp-flow-helpers .related=${state.related}></hp-flow-helpers>
                  <hp-flow-detail .detail=${state.detail} .tab=${route.tab}></hp-flow-detail>
                </section>`
            : nothing
        }
      </main>
    `;
  }

  private renderList(state: AppState) {
    const { list, route } = state;
    if (list.rows.length === 0) {
      switch (list.status.state) {
        case 'loading':
          return html`<div class="center">Loading flows…</div>`;
        case 'error':
          return html`<div class="center">
            <div class="notice error">Could not load flows: ${list.status.message}</div>
            <button @click=${this.onRetry}>Retry</button>
          </div>`;
        case 'ready':
          if (route.q)
            return html`<div class="center empty-filter">
              <div>No flows match this filter.</div>
              <button @click=${this.onClearFilter}>Clear filter</button>
            </div>`;
          return html`<hp-empty-state
            .host=${this.services?.hostname ?? 'localhost'}
            .sensors=${state.sensors}
          ></hp-empty-state>`;
      }
    }
    return html`<hp-flow-table
      .rows=${list.rows}
      .columns=${state.prefs.columns}
      .sort=${sortOf(route)}
      .selectedId=${state.selectedId}
      .highlight=${this.#highlight(route.hl)}
      ?follow=${state.prefs.follow}
      .atStart=${list.atStart}
      .atEnd=${list.atEnd}
      .generation=${list.generation}
      ?detailOpen=${route.flowId !== null}
    ></hp-flow-table>`;
  }

  // ---- helpers ----

  private get route(): Route {
    return this.services!.store.state.route;
  }

  private go(patch: Partial<Route>, replace = true): void {
    this.services?.navigate({ ...this.route, ...patch }, { replace });
  }

  private get table(): HpFlowTable | null {
    return this.renderRoot.querySelector('hp-flow-table');
  }

  // ---- table events ----

  private readonly onSelect = (event: Event): void => {
    const { id } = detailOf<{ id: string }>(event);
    if (typeof id !== 'string' || !this.services) return;
    this.services.store.update({ selectedId: id });
    if (this.route.flowId !== null && this.route.flowId !== id) this.go({ flowId: id });
  };

  private readonly onOpen = (event: Event): void => {
    const { id } = detailOf<{ id: string }>(event);
    if (typeof id !== 'string' || !this.services) return;
    this.services.store.update({ selectedId: id });
    if (this.route.flowId !== id) this.go({ flowId: id }, this.route.flowId !== null);
  };

  private readonly onClose = (): void => {
    if (this.route.flowId === null) return;
    this.go({ flowId: null, tab: null }, false);
    void this.updateComplete.then(() =>
      (this.table?.renderRoot.querySelector('.viewport') as HTMLElement | null)?.focus(),
    );
  };

  private readonly onSort = (event: Event): void => {
    const { key } = detailOf<{ key: FlowSortKey }>(event);
    if (key) this.go({ sort: nextSort(sortOf(this.route), key) });
  };

  private readonly onColumns = (event: Event): void => {
    const { columns } = detailOf<{ columns: ColumnPrefs | null }>(event);
    this.services?.updatePrefs((p) => ({ ...p, columns: columns ?? DEFAULT_COLUMN_PREFS }));
  };

  private readonly onNeed = (event: Event): void => {
    const { side } = detailOf<{ side: 'before' | 'after' }>(event);
    if (side === 'before') this.services?.list.loadBefore();
    if (side === 'after') this.services?.list.loadAfter();
  };

  private readonly onJump = (event: Event): void => {
    const { to } = detailOf<{ to: 'start' | 'end' }>(event);
    if (to === 'start') this.services?.list.reload();
    if (to === 'end') this.services?.list.jumpToEnd();
  };

  private readonly onFocusDetail = (): void => {
    const pane = this.renderRoot.querySelector('hp-flow-detail') as
      (HTMLElement & { focusTabs?: () => void }) | null;
    pane?.focusTabs?.();
  };

  // ---- pane events ----

  private readonly onTab = (event: Event): void => {
    const { tab } = detailOf<{ tab: string }>(event);
    const parsed = parseDetailTab(tab);
    if (parsed) this.go({ tab: parsed });
  };

  private readonly onPopout = (event: Event): void => {
    const { flowId, tab } = detailOf<{ flowId: string; tab: string }>(event);
    const id = flowId ?? this.route.flowId;
    if (!id) return;
    const hash = formatRoute({
      ...this.route,
      flowId: id,
      tab: parseDetailTab(tab) ?? this.route.tab,
      popout: true,
    });
    window.open(`${location.pathname}${hash}`, '_blank', 'popup,noopener,width=960,height=720');
  };

  private readonly onFilterSimilar = (event: Event): void => {
    const { q } = detailOf<{ q: string }>(event);
    if (typeof q === 'string') this.go({ q }, false);
  };

  // ---- toolbar events ----

  private readonly onFilter = (event: Event): void => {
    const { q } = detailOf<{ q: string }>(event);
    if (typeof q === 'string') this.go({ q });
  };

  private readonly onHighlight = (event: Event): void => {
    const { hl } = detailOf<{ hl: string }>(event);
    if (typeof hl === 'string') this.go({ hl });
  };

  private readonly onFollow = (event: Event): void => {
    const { on } = detailOf<{ on: boolean }>(event);
    if (typeof on !== 'boolean' || !this.services) return;
    this.services.updatePrefs((p) => ({ ...p, follow: on }));
    const { list } = this.services.store.state;
    if (on && (!list.atStart || list.unseen > 0)) this.services.list.reload();
  };

  private readonly onLayout = (event: Event): void => {
    const { layout } = detailOf<{ layout: Layout }>(event);
    if (layout === 'bottom' || layout === 'right') this.go({ layout });
  };

  private readonly onColumnsMenu = (event: Event): void => {
    const { x, y } = detailOf<{ x: number; y: number }>(event);
    const table = this.table;
    if (!table || x === undefined || y === undefined) return;
    const box = table.getBoundingClientRect();
    table.openColumnMenu(Math.max(0, x - box.left), Math.max(0, y - box.top));
  };

  private readonly onShowNew = (): void => {
    this.services?.list.reload();
  };

  private readonly onRetry = (): void => {
    this.services?.list.reload();
  };

  private readonly onClearFilter = (): void => {
    this.go({ q: '' });
  };

  // ---- split pane ----

  private readonly onDividerDown = (event: PointerEvent): void => {
    const divider = event.currentTarget as HTMLElement;
    const main = divider.parentElement;
    if (!main || !this.services) return;
    event.preventDefault();
    divider.setPointerCapture(event.pointerId);
    const layout = this.route.layout;
    const box = main.getBoundingClientRect();
    const onMove = (e: PointerEvent) => {
      const fraction =
        layout === 'bottom'
          ? (box.bottom - e.clientY) / box.height
          : (box.right - e.clientX) / box.width;
      this.dragSplit = clampSplit(fraction);
    };
    const onUp = () => {
      divider.removeEventListener('pointermove', onMove);
      divider.removeEventListener('pointerup', onUp);
      divider.removeEventListener('pointercancel', onUp);
      const size = this.dragSplit;
      this.dragSplit = null;
      if (size !== null)
        this.services?.updatePrefs((p) => ({ ...p, split: { ...p.split, [layout]: size } }));
    };
    divider.addEventListener('pointermove', onMove);
    divider.addEventListener('pointerup', onUp);
    divider.addEventListener('pointercancel', onUp);
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-app': HpApp;
  }
}
