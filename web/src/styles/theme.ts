/**
 * Design tokens as CSS custom properties: colours for light and dark (prefers-color-scheme), type,
 * spacing. Set on <hp-app>'s host; custom properties inherit through every nested shadow root.
 */
import { css } from 'lit';

export const theme = css`
  :host {
    color-scheme: light dark;
    --hp-font:
      system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Helvetica Neue', Arial, sans-serif;
    --hp-mono:
      ui-monospace, SFMono-Regular, 'SF Mono', Menlo, Consolas, 'DejaVu Sans Mono',
      'Liberation Mono', monospace;
    --hp-font-size: 13px;
    --hp-mono-size: 12px;
    --hp-space-1: 4px;
    --hp-space-2: 8px;
    --hp-space-3: 12px;
    --hp-space-4: 16px;
    --hp-space-6: 24px;
    --hp-radius: 6px;
    --hp-row-height: 24px;

    --hp-bg: #ffffff;
    --hp-surface: #f6f7f9;
    --hp-surface-2: #eceef1;
    --hp-border: #dde1e6;
    --hp-border-strong: #c7ccd3;
    --hp-text: #1d2127;
    --hp-muted: #5c6470;
    --hp-faint: #8a919b;
    --hp-accent: #0a5fc4;
    --hp-accent-text: #ffffff;
    --hp-hover: #f2f4f7;
    --hp-selected: #dce9fb;
    --hp-selected-text: #0b2e5c;
    --hp-focus: #4b8ef0;
    --hp-status-info: #6a737d;
    --hp-status-ok: #17803d;
    --hp-status-redirect: #0b6e99;
    --hp-status-client: #9a5b00;
    --hp-status-server: #c62828;
    --hp-error-bg: #fdecec;
    --hp-error-border: #f3c2c2;
    --hp-warn-bg: #fff6da;
    --hp-warn-border: #efd88f;
    --hp-live: #1f9d55;
    --hp-row-alt: #fafbfc;
    --hp-highlight: #fff3c4;
    --hp-highlight-edge: #e0a800;
    --hp-cat-document: #2f6fd6;
    --hp-cat-script: #b7791f;
    --hp-cat-style: #8e44ad;
    --hp-cat-image: #1a9b6c;
    --hp-cat-font: #5c6470;
    --hp-cat-media: #c2417a;
    --hp-cat-data: #0b7f8c;
    --hp-cat-binary: #d9480f;
    --hp-cat-error: #c62828;
    --hp-cat-blocked: #7a1f1f;
  }

  @media (prefers-color-scheme: dark) {
    :host {
      --hp-bg: #17191d;
      --hp-surface: #1e2126;
      --hp-surface-2: #262a30;
      --hp-border: #30353c;
      --hp-border-strong: #424851;
      --hp-text: #e3e6ea;
      --hp-muted: #a0a7b1;
      --hp-faint: #737b86;
      --hp-accent: #4c9bff;
      --hp-accent-text: #0d1117;
      --hp-hover: #21252b;
      --hp-selected: #1d3557;
      --hp-selected-text: #e6f0ff;
      --hp-focus: #4c9bff;
      --hp-status-info: #9aa3ad;
      --hp-status-ok: #4cc472;
      --hp-status-redirect: #4fb3d9;
      --hp-status-client: #e0a63a;
      --hp-status-server: #ff6b6b;
      --hp-error-bg: #3a1f22;
      --hp-error-border: #6b3136;
      --hp-warn-bg: #3a3217;
      --hp-warn-border: #6b5b24;
      --hp-live: #3ccf7a;
      --hp-row-alt: #1a1d21;
      --hp-highlight: #3a3315;
      --hp-highlight-edge: #d9a520;
      --hp-cat-document: #6ea8ff;
      --hp-cat-script: #e3b341;
      --hp-cat-style: #c490e4;
      --hp-cat-image: #4cc79a;
      --hp-cat-font: #a0a7b1;
      --hp-cat-media: #f07ab0;
      --hp-cat-data: #4fc3cf;
      --hp-cat-binary: #ff8a4c;
      --hp-cat-error: #ff6b6b;
      --hp-cat-blocked: #ff9a9a;
    }
  }
`;

/** Page-level rules (adopted by the document in main.ts: no inline <style> under the CSP). */
export const documentStyles = css`
  html,
  body {
    margin: 0;
    height: 100%;
    color-scheme: light dark;
    background: Canvas;
  }
`;
