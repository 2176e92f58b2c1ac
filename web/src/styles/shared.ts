/**
 * Rules several components share: buttons, links, monospace text, status colours, notices.
 */
import { css } from 'lit';

export const shared = css`
  :host {
    font-family: var(--hp-font);
    font-size: var(--hp-font-size);
    color: var(--hp-text);
    box-sizing: border-box;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  .mono {
    font-family: var(--hp-mono);
    font-size: var(--hp-mono-size);
  }
  .muted {
    color: var(--hp-muted);
  }
  a {
    color: var(--hp-accent);
    text-decoration: none;
  }
  a:hover {
    text-decoration: underline;
  }
  button {
    font: inherit;
    color: var(--hp-text);
    background: var(--hp-surface);
    border: 1px solid var(--hp-border-strong);
    border-radius: var(--hp-radius);
    padding: 3px 10px;
    cursor: pointer;
  }
  button:hover {
    background: var(--hp-surface-2);
  }
  :focus-visible {
    outline: 2px solid var(--hp-focus);
    outline-offset: -2px;
  }
  code {
    font-family: var(--hp-mono);
    font-size: var(--hp-mono-size);
    background: var(--hp-surface-2);
    border-radius: 4px;
    padding: 1px 5px;
  }
  .s-1xx {
    color: var(--hp-status-info);
  }
  .s-2xx {
    color: var(--hp-status-ok);
  }
  .s-3xx {
    color: var(--hp-status-redirect);
  }
  .s-4xx {
    color: var(--hp-status-client);
  }
  .s-5xx,
  .s-err {
    color: var(--hp-status-server);
  }
  .notice {
    border: 1px solid var(--hp-warn-border);
    background: var(--hp-warn-bg);
    border-radius: var(--hp-radius);
    padding: var(--hp-space-2) var(--hp-space-3);
  }
  .notice.error {
    border-color: var(--hp-error-border);
    background: var(--hp-error-bg);
  }
`;
