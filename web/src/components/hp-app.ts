/**
 * The application shell: top bar, traffic table (or onboarding when nothing is captured yet) and
 * the detail pane of the flow the URL names. The only element that reads the store; it passes
 * plain properties down and turns its children's events into navigation and actions.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { AppServices } from '../state/app-services.js';
import type { AppState } from '../state/app-state.js';
import {
  DETAIL_TABS,
  SORT_KEYS,
  type DetailTab,
  type SortKey,
  type SortSpec,
} from '../state/route.js';
import { createSortedRows } from '../state/sort-flows.js';
import { StoreController } from '../state/store-controller.js';
import { shared } from '../styles/shared.js';
import { theme } from '../styles/theme.js';
import './hp-top-bar.js';
import './hp-flow-table.js';
import './hp-flow-detail.js';
import './hp-empty-state.js';

function detailOf<T>(event: Event): Partial<T> {
  return event instanceof CustomEvent ? ((event.detail ?? {}) as Partial<T>) : {};
}

/** Header clicks cycle ascending → descending → arrival order. */
function nextSort(current: SortSpec | null, key: SortKey): SortSpec | null {
  if (current?.key !== key) return { key, dir: 'asc' };
  return current.dir === 'asc' ? { key, dir: 'desc' } : null;
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
        min-height: 0;
      }
      .list {
        flex: 1 1 0;
        min-width: 0;
        display: flex;
        flex-direction: column;
      }
      .list > * {
        flex: 1;
        min-height: 0;
      }
      hp-flow-detail {
        flex: 0 0 min(50%, 760px);
        border-left: 1px solid var(--hp-border);
      }
      .center {
        display: grid;
        place-content: center;
        justify-items: center;
        gap: var(--hp-space-3);
        color: var(--hp-muted);
      }
    `,
  ];

  @property({ attribute: false }) accessor services: AppServices | undefined = undefined;

  #state: StoreController<AppState> | undefined;
  readonly #sortedRows = createSortedRows();

  override connectedCallback(): void {
    if (this.services && !this.#state)
      this.#state = new StoreController(this, this.services.store, (s) => s);
    super.connectedCallback();
  }

  override render() {
    const state = this.#state?.value;
    if (!state || !this.services) return nothing;
    const { route } = state;
    return html`
      <hp-top-bar
        .me=${state.me}
        .live=${state.live}
        .count=${state.rows.length}
        ?more=${state.next !== null}
      ></hp-top-bar>
      <main
        @hp-select=${this.onSelect}
        @hp-sort=${this.onSort}
        @hp-load-older=${this.onLoadOlder}
        @hp-close=${this.onClose}
        @hp-tab=${this.onTab}
      >
        <div class="list">${this.renderList(state)}</div>
        ${
          route.flowId !== null
            ? html`<hp-flow-detail
                .detail=${state.detail}
                .tab=${route.tab}
                .bodies=${state.bodies}
              ></hp-flow-detail>`
            : nothing
        }
      </main>
    `;
  }

  private renderList(state: AppState) {
    if (state.rows.length === 0) {
      switch (state.list.state) {
        case 'loading':
          return html`<div class="center">Loading flows…</div>`;
        case 'error':
          return html`<div class="center">
            <div class="notice error">Could not load flows: ${state.list.message}</div>
            <button @click=${this.onRetry}>Retry</button>
          </div>`;
        case 'ready':
          return html`<hp-empty-state
            host=${this.services?.hostname ?? 'localhost'}
          ></hp-empty-state>`;
      }
    }
    return html`<hp-flow-table
      .rows=${this.#sortedRows(state.rows, state.route.sort)}
      .sort=${state.route.sort}
      .selectedId=${state.route.flowId}
      ?more=${state.next !== null}
      .older=${state.older}
    ></hp-flow-table>`;
  }

  private get route() {
    return this.services?.store.state.route ?? { flowId: null, tab: null, sort: null };
  }

  private readonly onSelect = (event: Event): void => {
    const { id } = detailOf<{ id: string }>(event);
    if (typeof id === 'string') this.services?.navigate({ ...this.route, flowId: id });
  };

  private readonly onSort = (event: Event): void => {
    const { key } = detailOf<{ key: string }>(event);
    const sortKey = SORT_KEYS.find((k) => k === key);
    if (sortKey)
      this.services?.navigate(
        { ...this.route, sort: nextSort(this.route.sort, sortKey) },
        { replace: true },
      );
  };

  private readonly onTab = (event: Event): void => {
    const { tab } = detailOf<{ tab: string }>(event);
    const detailTab: DetailTab | undefined = DETAIL_TABS.find((t) => t === tab);
    if (detailTab) this.services?.navigate({ ...this.route, tab: detailTab }, { replace: true });
  };

  private readonly onClose = (): void => {
    this.services?.navigate({ ...this.route, flowId: null, tab: null });
  };

  private readonly onLoadOlder = (): void => {
    this.services?.loadOlder();
  };

  private readonly onRetry = (): void => {
    this.services?.reloadList();
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-app': HpApp;
  }
}
