/**
 * Styles of <hp-flow-detail>: a fixed header with the tab bar above a scrolling body.
 */
import { css } from 'lit';

export const flowDetailStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    min-height: 0;
    min-width: 0;
    background: var(--hp-bg);
  }
  header {
    flex: none;
    padding: var(--hp-space-3) var(--hp-space-4) 0;
    border-bottom: 1px solid var(--hp-border);
    background: var(--hp-bg);
  }
  .title {
    display: flex;
    align-items: flex-start;
    gap: var(--hp-space-2);
  }
  .method {
    flex: none;
    max-width: 40%;
    overflow-wrap: anywhere;
    font-weight: 600;
    padding-top: 1px;
  }
  .url {
    flex: 1;
    min-width: 0;
    overflow-wrap: anywhere;
    line-height: 1.45;
    max-height: 4.4em;
    overflow: auto;
  }
  .close {
    flex: none;
    border: none;
    background: transparent;
    color: var(--hp-muted);
    padding: 0 6px;
    font-size: 14px;
    line-height: 20px;
  }
  .close:hover {
    color: var(--hp-text);
    background: var(--hp-surface-2);
  }
  .facts {
    display: flex;
    flex-wrap: wrap;
    gap: var(--hp-space-1) var(--hp-space-4);
    margin-top: var(--hp-space-2);
    color: var(--hp-muted);
  }
  .facts .status {
    font-weight: 600;
  }
  nav {
    display: flex;
    gap: var(--hp-space-1);
    margin-top: var(--hp-space-3);
  }
  nav button {
    border: none;
    border-bottom: 2px solid transparent;
    border-radius: 0;
    background: transparent;
    color: var(--hp-muted);
    padding: 6px 10px 7px;
    font-weight: 500;
  }
  nav button:hover {
    background: transparent;
    color: var(--hp-text);
  }
  nav button.active {
    color: var(--hp-text);
    border-bottom-color: var(--hp-accent);
  }
  .body {
    flex: 1;
    min-height: 0;
    overflow: auto;
    padding: var(--hp-space-4);
  }
  .flow-error {
    margin-bottom: var(--hp-space-4);
    overflow-wrap: anywhere;
  }
`;
