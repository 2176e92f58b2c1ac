/**
 * The common "body not here yet" states of a tab, rendered the same way everywhere: no body,
 * too big to load without asking (size + button), loading, failed. Returns null when the bytes
 * are ready for the caller to show.
 */
import { html, type TemplateResult } from 'lit';
import type { BodySide } from '../api/paths.js';
import { formatBytes, formatSize } from '../util/format.js';
import type { BodyLoad, BodySource, BodyVariant } from '../state/body-source.js';

export function bodyGate(
  load: BodyLoad,
  source: BodySource,
  side: BodySide,
  variant: BodyVariant,
  what = 'show it',
): TemplateResult | null {
  switch (load.state) {
    case 'none':
      return html`<p class="empty">No ${side} body.</p>`;
    case 'idle':
      return html`<div class="card">
        <p>
          The ${side} body is
          <strong title=${formatBytes(load.size)}>${formatSize(load.size)}</strong>; it is not
          loaded until you ask.
        </p>
        <button data-load=${side} @click=${() => source.load(side, variant)}>
          Load ${formatSize(load.size)} and ${what}
        </button>
      </div>`;
    case 'loading':
      return html`<p class="muted">Loading the ${side} body…</p>`;
    case 'error':
      return html`<div class="notice error">Could not load the ${side} body: ${load.message}</div>`;
    case 'ready':
      return null;
  }
}
