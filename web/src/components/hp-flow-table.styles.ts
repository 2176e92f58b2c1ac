/**
 * Styles of the virtualized traffic table: fixed row and header heights (the virtualization depends
 * on them), category colours, highlight marks, and the column menu.
 */
import { css } from 'lit';

export const flowTableStyles = css`
  :host {
    display: block;
    position: relative;
    min-height: 0;
    background: var(--hp-bg);
  }
  .viewport {
    position: absolute;
    inset: 0;
    overflow: auto;
    contain: strict;
    outline: none;
    font-variant-numeric: tabular-nums;
  }
  .viewport:focus-visible {
    box-shadow: inset 0 0 0 2px var(--hp-focus);
  }
  .header {
    position: sticky;
    top: 0;
    z-index: 2;
    display: grid;
    height: 28px;
    background: var(--hp-surface);
    border-bottom: 1px solid var(--hp-border);
    user-select: none;
  }
  .th {
    position: relative;
    display: flex;
    align-items: center;
    min-width: 0;
    border-right: 1px solid var(--hp-border);
  }
  .th.num .sort {
    justify-content: flex-end;
  }
  .sort {
    all: unset;
    box-sizing: border-box;
    display: flex;
    align-items: center;
    gap: 4px;
    width: 100%;
    height: 100%;
    padding: 0 8px;
    font-weight: 600;
    font-size: 12px;
    color: var(--hp-muted);
    cursor: pointer;
    white-space: nowrap;
    overflow: hidden;
  }
  .sort:hover,
  .th.sorted .sort {
    color: var(--hp-text);
  }
  .sort:focus-visible {
    outline: 2px solid var(--hp-focus);
    outline-offset: -2px;
  }
  .label {
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .arrow {
    font-size: 9px;
    color: var(--hp-accent);
  }
  .grip {
    position: absolute;
    top: 0;
    right: -4px;
    width: 8px;
    height: 100%;
    cursor: col-resize;
    z-index: 1;
  }
  .grip:hover {
    background: linear-gradient(var(--hp-focus), var(--hp-focus)) center / 2px 100% no-repeat;
  }
  .spacer {
    position: relative;
  }
  .rows {
    position: absolute;
    left: 0;
    right: 0;
    top: 0;
    will-change: transform;
  }
  .row {
    display: grid;
    height: 24px;
    align-items: center;
    cursor: default;
    border-left: 3px solid transparent;
    box-sizing: border-box;
    --cat: var(--hp-muted);
    /* Fixed size: a row's new text never makes the browser lay out or repaint its neighbours. */
    contain: strict;
  }
  .row.odd {
    background: var(--hp-row-alt);
  }
  .row:hover {
    background: var(--hp-hover);
  }
  .row.hl {
    background: var(--hp-highlight);
    border-left-color: var(--hp-highlight-edge);
  }
  .row.selected,
  .row.selected:hover {
    background: var(--hp-selected);
    color: var(--hp-selected-text);
  }
  .viewport:focus .row.selected {
    box-shadow: inset 0 0 0 1px var(--hp-focus);
  }
  .cell {
    min-width: 0;
    padding: 0 8px;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
    line-height: 24px;
  }
  .cell.num {
    text-align: right;
  }
  .c-tls {
    padding: 0;
    display: grid;
    place-items: center;
    color: var(--hp-status-ok);
  }
  .lock {
    width: 12px;
    height: 12px;
  }
  .c-name {
    display: flex;
    align-items: center;
    gap: 6px;
  }
  .icon {
    flex: none;
    width: 14px;
    height: 14px;
    color: var(--cat);
  }
  .file {
    flex: none;
    max-width: 60%;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .url {
    flex: 1;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    color: var(--hp-faint);
    font-size: 12px;
  }
  .row.selected .url {
    color: inherit;
    opacity: 0.75;
  }
  .c-method {
    font-family: var(--hp-mono);
    font-size: var(--hp-mono-size);
  }
  .c-status {
    font-weight: 600;
  }
  .warn {
    color: var(--hp-status-client);
    margin-right: 4px;
  }
  .mismatch {
    color: var(--hp-status-client);
  }
  .cat-document {
    --cat: var(--hp-cat-document);
  }
  .cat-script {
    --cat: var(--hp-cat-script);
  }
  .cat-style {
    --cat: var(--hp-cat-style);
  }
  .cat-image {
    --cat: var(--hp-cat-image);
  }
  .cat-font {
    --cat: var(--hp-cat-font);
  }
  .cat-media {
    --cat: var(--hp-cat-media);
  }
  .cat-data {
    --cat: var(--hp-cat-data);
  }
  .cat-binary {
    --cat: var(--hp-cat-binary);
  }
  .cat-error {
    --cat: var(--hp-cat-error);
  }
  .cat-blocked {
    --cat: var(--hp-cat-blocked);
  }
  .row.cat-binary .file {
    color: var(--hp-cat-binary);
    font-weight: 600;
  }
  .row.cat-error .file,
  .row.cat-blocked .file {
    color: var(--hp-cat-error);
  }
  .row.cat-blocked {
    text-decoration: line-through;
    text-decoration-color: color-mix(in srgb, var(--hp-cat-blocked) 60%, transparent);
  }
  .menu-backdrop {
    position: absolute;
    inset: 0;
    z-index: 10;
  }
  .menu {
    position: absolute;
    z-index: 11;
    min-width: 180px;
    padding: 6px 0;
    background: var(--hp-bg);
    border: 1px solid var(--hp-border-strong);
    border-radius: var(--hp-radius);
    box-shadow: 0 8px 24px rgb(0 0 0 / 18%);
  }
  .menu-title {
    padding: 4px 12px 6px;
    font-size: 11px;
    font-weight: 600;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    color: var(--hp-muted);
  }
  .menu-item {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 4px 12px;
    cursor: pointer;
  }
  .menu-item:hover {
    background: var(--hp-hover);
  }
  .menu-reset {
    margin: 6px 12px 2px;
  }
`;
