/**
 * Styles shared by the detail pane's tabs and the visualizers: titled sections, key/value grids,
 * data tables, segmented toggles, badges, code blocks. Long attacker-controlled values wrap
 * anywhere instead of widening the pane.
 */
import { css } from 'lit';

export const detailStyles = css`
  :host {
    display: block;
  }
  section {
    margin-bottom: var(--hp-space-6);
  }
  section:last-child {
    margin-bottom: 0;
  }
  h3 {
    display: flex;
    align-items: center;
    gap: var(--hp-space-2);
    font-size: 11px;
    font-weight: 600;
    color: var(--hp-muted);
    text-transform: uppercase;
    letter-spacing: 0.05em;
    margin: 0 0 var(--hp-space-2);
  }
  h3 .spacer,
  .toolbar .spacer {
    flex: 1;
  }
  h3 button,
  h3 a {
    text-transform: none;
    letter-spacing: 0;
    font-weight: 500;
  }
  h4 {
    font-size: 12px;
    font-weight: 600;
    margin: var(--hp-space-3) 0 var(--hp-space-1);
  }
  dl.kv {
    display: grid;
    grid-template-columns: minmax(110px, max-content) 1fr;
    gap: 4px var(--hp-space-4);
    margin: 0;
    align-items: baseline;
  }
  dl.kv dt {
    color: var(--hp-muted);
    white-space: nowrap;
  }
  dl.kv dd {
    margin: 0;
    min-width: 0;
    overflow-wrap: anywhere;
    display: flex;
    align-items: baseline;
    gap: var(--hp-space-2);
  }
  dl.kv dd > .v {
    min-width: 0;
    overflow-wrap: anywhere;
  }
  table.grid {
    width: 100%;
    border-collapse: collapse;
    border: 1px solid var(--hp-border);
    border-radius: var(--hp-radius);
    table-layout: fixed;
  }
  table.grid th {
    text-align: left;
    font-weight: 600;
    font-size: 12px;
    color: var(--hp-muted);
    background: var(--hp-surface);
    padding: 5px var(--hp-space-3);
    border-bottom: 1px solid var(--hp-border);
  }
  table.grid td {
    padding: 4px var(--hp-space-3);
    border-top: 1px solid var(--hp-border);
    vertical-align: top;
    overflow-wrap: anywhere;
  }
  table.grid tr:first-child td {
    border-top: none;
  }
  table.grid td.num,
  table.grid th.num {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--hp-space-2) var(--hp-space-3);
    margin-bottom: var(--hp-space-3);
  }
  .seg {
    display: inline-flex;
    border: 1px solid var(--hp-border-strong);
    border-radius: var(--hp-radius);
    overflow: hidden;
  }
  .seg button {
    border: none;
    border-radius: 0;
    background: var(--hp-bg);
    color: var(--hp-muted);
    padding: 3px 12px;
  }
  .seg button + button {
    border-left: 1px solid var(--hp-border-strong);
  }
  .seg button[aria-pressed='true'] {
    background: var(--hp-selected);
    color: var(--hp-selected-text);
    font-weight: 500;
  }
  .badge {
    display: inline-block;
    padding: 0 7px;
    border-radius: 10px;
    font-size: 11px;
    line-height: 18px;
    font-weight: 600;
    background: var(--hp-surface-2);
    color: var(--hp-muted);
    white-space: nowrap;
  }
  .badge.warn {
    background: var(--hp-warn-bg);
    color: var(--hp-status-client);
    border: 1px solid var(--hp-warn-border);
  }
  .badge.bad {
    background: var(--hp-error-bg);
    color: var(--hp-status-server);
    border: 1px solid var(--hp-error-border);
  }
  .badge.ok {
    color: var(--hp-status-ok);
  }
  .warn-text {
    color: var(--hp-status-client);
    font-weight: 500;
  }
  .bad-text {
    color: var(--hp-status-server);
    font-weight: 600;
  }
  pre.code {
    margin: 0;
    padding: var(--hp-space-2) var(--hp-space-3);
    background: var(--hp-surface);
    border: 1px solid var(--hp-border);
    border-radius: var(--hp-radius);
    font-family: var(--hp-mono);
    font-size: var(--hp-mono-size);
    line-height: 1.5;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    tab-size: 2;
  }
  .notice {
    margin-bottom: var(--hp-space-3);
  }
  .empty {
    color: var(--hp-muted);
    font-style: italic;
  }
  .card {
    border: 1px solid var(--hp-border);
    border-radius: var(--hp-radius);
    padding: var(--hp-space-3);
    margin-bottom: var(--hp-space-3);
    background: var(--hp-bg);
  }
`;
