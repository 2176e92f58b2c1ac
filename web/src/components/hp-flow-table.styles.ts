/**
 * Styles of <hp-flow-table>: fixed layout, sticky header, ellipsis cells, and container queries
 * that drop the less important columns when the table shares the window with the detail pane.
 */
import { css } from 'lit';

export const flowTableStyles = css`
  :host {
    display: block;
    min-height: 0;
    container-type: inline-size;
    background: var(--hp-bg);
  }
  .scroller {
    height: 100%;
    overflow: auto;
    outline: none;
  }
  table {
    width: 100%;
    border-collapse: separate;
    border-spacing: 0;
    table-layout: fixed;
    font-variant-numeric: tabular-nums;
  }
  col.c-method {
    width: 72px;
  }
  col.c-host {
    width: 22%;
  }
  col.c-path {
    width: auto;
  }
  col.c-status {
    width: 100px;
  }
  col.c-type {
    width: 140px;
  }
  col.c-size {
    width: 76px;
  }
  col.c-start {
    width: 116px;
  }
  col.c-duration {
    width: 84px;
  }
  th {
    position: sticky;
    top: 0;
    z-index: 1;
    background: var(--hp-surface);
    border-bottom: 1px solid var(--hp-border);
    padding: 0;
    text-align: left;
    font-weight: 600;
  }
  th .sort {
    all: unset;
    box-sizing: border-box;
    display: flex;
    align-items: center;
    gap: 4px;
    width: 100%;
    height: 28px;
    padding: 0 var(--hp-space-2);
    color: var(--hp-muted);
    font-size: 12px;
    cursor: pointer;
    white-space: nowrap;
  }
  th.num .sort {
    justify-content: flex-end;
  }
  th.c-host .sort {
    padding-left: calc(var(--hp-space-2) + 16px);
  }
  th .sort:hover {
    color: var(--hp-text);
    background: var(--hp-surface-2);
  }
  th .sort:focus-visible {
    outline: 2px solid var(--hp-focus);
    outline-offset: -2px;
  }
  th[aria-sort='ascending'] .sort,
  th[aria-sort='descending'] .sort {
    color: var(--hp-text);
  }
  .arrow {
    font-size: 9px;
    color: var(--hp-accent);
  }
  td {
    height: var(--hp-row-height);
    padding: 0 var(--hp-space-2);
    border-bottom: 1px solid var(--hp-border);
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  td.num {
    text-align: right;
  }
  td.c-method {
    font-weight: 500;
  }
  td.c-status {
    font-weight: 600;
  }
  td.c-status.failed {
    font-weight: 500;
  }
  td.c-start,
  td.c-duration,
  td.c-size {
    color: var(--hp-muted);
  }
  tbody tr {
    cursor: default;
  }
  tbody tr:hover {
    background: var(--hp-hover);
  }
  tbody tr.selected {
    background: var(--hp-selected);
    color: var(--hp-selected-text);
  }
  tbody tr.selected td:not(.c-status) {
    color: inherit;
  }
  .scroller:focus-visible tr.selected {
    box-shadow: inset 2px 0 0 var(--hp-focus);
  }
  .tls {
    display: inline-block;
    width: 16px;
  }
  .lock {
    width: 11px;
    height: 11px;
    vertical-align: -1px;
    color: var(--hp-faint);
  }
  .footer {
    display: flex;
    justify-content: center;
    align-items: center;
    gap: var(--hp-space-3);
    padding: var(--hp-space-3);
  }
  @container (max-width: 760px) {
    .c-type,
    .c-duration {
      display: none;
    }
  }
  @container (max-width: 560px) {
    .c-size,
    .c-start {
      display: none;
    }
  }
`;
