/**
 * The application bar: product name, how many flows are loaded, the live feed's state, the CA
 * certificate download and who is signed in.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { WhoAmI } from '@honeyproxy/protocol';
import type { LiveStatus } from '../api/live-client.js';
import { CA_CERT_PATH } from '../api/paths.js';
import { shared } from '../styles/shared.js';
import { formatCount } from '../util/format.js';

@customElement('hp-top-bar')
export class HpTopBar extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: flex;
        align-items: center;
        gap: var(--hp-space-4);
        height: 40px;
        padding: 0 var(--hp-space-4);
        background: var(--hp-surface);
        border-bottom: 1px solid var(--hp-border);
      }
      .brand {
        display: flex;
        align-items: center;
        gap: var(--hp-space-2);
        font-weight: 600;
        font-size: 14px;
        letter-spacing: 0.01em;
      }
      .logo {
        width: 18px;
        height: 18px;
        color: var(--hp-accent);
      }
      .count {
        color: var(--hp-muted);
        font-variant-numeric: tabular-nums;
      }
      .spacer {
        flex: 1;
      }
      .live {
        display: flex;
        align-items: center;
        gap: 6px;
        color: var(--hp-muted);
      }
      .dot {
        width: 8px;
        height: 8px;
        border-radius: 50%;
        background: var(--hp-faint);
      }
      .live.on .dot {
        background: var(--hp-live);
        box-shadow: 0 0 0 3px color-mix(in srgb, var(--hp-live) 20%, transparent);
      }
      .live.off .dot {
        background: var(--hp-status-client);
      }
      .user {
        color: var(--hp-muted);
      }
    `,
  ];

  @property({ attribute: false }) accessor me: WhoAmI | null = null;
  @property({ attribute: false }) accessor live: LiveStatus = { state: 'connecting', attempt: 0 };
  @property({ type: Number }) accessor count = 0;
  /** More (older) flows exist on the server than are loaded. */
  @property({ type: Boolean }) accessor more = false;

  override render() {
    return html`
      <div class="brand">
        <svg class="logo" viewBox="0 0 24 24" aria-hidden="true">
          <path
            fill="currentColor"
            d="M12 2 3 7v10l9 5 9-5V7l-9-5Zm0 2.3 6.8 3.8L12 11.9 5.2 8.1 12 4.3ZM5 9.8l6 3.4v6.5l-6-3.3V9.8Zm8 9.9v-6.5l6-3.4v6.6l-6 3.3Z"
          />
        </svg>
        HoneyProxy
      </div>
      <span class="count"
        >${formatCount(this.count)}${this.more ? '+' : ''}
        ${this.count === 1 && !this.more ? 'flow' : 'flows'}</span
      >
      <span class="spacer"></span>
      ${this.renderLive()}
      <a href="#/sensors" title="Fleet health: every sensor's state, backlog and lag">Sensors</a>
      <a
        href=${CA_CERT_PATH}
        download="honeyproxy-ca.pem"
        title="The CA clients must trust for HTTPS interception"
        >CA certificate</a
      >
      ${this.me ? html`<span class="user">${this.me.user} · ${this.me.role}</span>` : nothing}
    `;
  }

  private renderLive() {
    const live = this.live;
    switch (live.state) {
      case 'live':
        return html`<span class="live on" title="New flows appear as they are captured"
          ><span class="dot"></span>Live</span
        >`;
      case 'connecting':
        return html`<span class="live"><span class="dot"></span>Connecting…</span>`;
      case 'waiting':
        return html`<span class="live off" title=${live.reason}
          ><span class="dot"></span>Reconnecting…</span
        >`;
      case 'closed':
        return html`<span class="live off"><span class="dot"></span>Offline</span>`;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-top-bar': HpTopBar;
  }
}
