/**
 * MD5, SHA-1 and SHA-256 of one captured body (the bytes as they crossed the wire), each with a
 * copy button, plus a VirusTotal search link. SHA-256 comes with the flow record; MD5 and SHA-1
 * are computed in the worker from the raw bytes (automatically for small bodies, on request for
 * large ones). The link is built from the validated hex digest only.
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { BodySide } from '../api/paths.js';
import { bodyPath } from '../api/paths.js';
import { shared } from '../styles/shared.js';
import { formatBytes, formatSize } from '../util/format.js';
import { digestInWorker } from '../visualizers/highlight-client.js';
import type { BodySource } from '../state/body-source.js';
import { detailStyles } from './detail-styles.js';
import type { Digests } from './model/digests.js';
import './hp-copy-button.js';

/** VirusTotal's search page for a hash (the digest is validated hex, never captured text). */
export function virusTotalUrl(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256 digest');
  return `https://www.virustotal.com/gui/search/${sha256}`;
}

@customElement('hp-body-hashes')
export class HpBodyHashes extends LitElement {
  static override styles = [shared, detailStyles];

  @property({ attribute: false }) accessor source: BodySource | null = null;
  @property() accessor side: BodySide = 'response';
  /** Bumped by the pane whenever a body finishes loading. */
  @property({ attribute: false }) accessor rev = 0;
  @state() accessor digests: Digests | null = null;
  @state() accessor failed = '';
  #for: Uint8Array | null = null;

  override willUpdate(): void {
    const load = this.source?.flow[this.side]?.body ? this.source.get(this.side, 'raw') : null;
    if (load?.state !== 'ready' || this.#for === load.bytes) return;
    const bytes = load.bytes;
    this.#for = bytes;
    this.digests = null;
    this.failed = '';
    digestInWorker(bytes).then(
      (d) => {
        if (this.#for === bytes) this.digests = d;
      },
      (err: unknown) => {
        if (this.#for === bytes) this.failed = err instanceof Error ? err.message : String(err);
      },
    );
  }

  override render() {
    const source = this.source;
    const meta = source?.flow[this.side]?.body;
    if (!source || !meta) return nothing;
    const load = source.get(this.side, 'raw');
    const pending = () => {
      if (load.state === 'idle')
        return html`<button @click=${() => source.load(this.side, 'raw')}>
          Compute from ${formatSize(load.size)}
        </button>`;
      if (load.state === 'error') return html`<span class="bad-text">${load.message}</span>`;
      if (this.failed) return html`<span class="bad-text">${this.failed}</span>`;
      return html`<span class="muted">computing…</span>`;
    };
    const row = (label: string, value: string | undefined) =>
      html`<dt>${label}</dt>
        <dd>
          ${value ? html`<span class="v mono">${value}</span><hp-copy-button label="Copy ${label}" .value=${value}></hp-copy-button>` : pending()}
        </dd>`;
    return html`<dl class="kv">
      <dt>Size</dt>
      <dd>
        ${formatBytes(meta.len)}
        ${meta.truncated ? html`<span class="badge warn">captured ${formatBytes(meta.capturedLen)} only</span>` : nothing}
        ${source.encoding(this.side) ? html`<span class="badge">${source.encoding(this.side)}-encoded</span>` : nothing}
      </dd>
      ${row('MD5', this.digests?.md5)} ${row('SHA-1', this.digests?.sha1)}
      ${row('SHA-256', meta.sha256)}
      <dt>Look up</dt>
      <dd>
        <a href=${virusTotalUrl(meta.sha256)} target="_blank" rel="noopener noreferrer"
          >VirusTotal ↗</a
        >
        <a href=${bodyPath(source.flow.flowId, this.side, false)} download>Download raw</a>
      </dd>
    </dl>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-body-hashes': HpBodyHashes;
  }
}
