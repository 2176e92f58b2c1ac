/**
 * What a new user sees before the first flow: how to send traffic through a sensor (explicit proxy
 * or transparent gateway, with the sensors the analyzer knows), where to get the CA certificate and
 * how to install it per OS. Disappears by itself when the first flow arrives on the live feed.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { SensorList } from '@honeyproxy/protocol';
import { CA_CERT_PATH } from '../api/paths.js';
import { shared } from '../styles/shared.js';

@customElement('hp-empty-state')
export class HpEmptyState extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
        overflow: auto;
        background: var(--hp-bg);
      }
      .content {
        max-width: 760px;
        margin: 0 auto;
        padding: var(--hp-space-6) var(--hp-space-6) 48px;
        line-height: 1.5;
      }
      h1 {
        font-size: 20px;
        font-weight: 600;
        margin: var(--hp-space-4) 0 var(--hp-space-1);
      }
      .lead {
        color: var(--hp-muted);
        margin: 0 0 var(--hp-space-6);
      }
      ol {
        list-style: none;
        padding: 0;
        margin: 0;
        counter-reset: step;
      }
      li {
        position: relative;
        padding: 0 0 var(--hp-space-6) 40px;
        counter-increment: step;
      }
      li::before {
        content: counter(step);
        position: absolute;
        left: 0;
        top: 0;
        width: 24px;
        height: 24px;
        border-radius: 50%;
        background: var(--hp-surface-2);
        color: var(--hp-muted);
        font-weight: 600;
        font-size: 12px;
        display: grid;
        place-items: center;
      }
      h2 {
        font-size: 14px;
        font-weight: 600;
        margin: 2px 0 var(--hp-space-1);
      }
      p {
        margin: var(--hp-space-1) 0;
      }
      pre {
        font-family: var(--hp-mono);
        font-size: var(--hp-mono-size);
        background: var(--hp-surface);
        border: 1px solid var(--hp-border);
        border-radius: var(--hp-radius);
        padding: var(--hp-space-2) var(--hp-space-3);
        margin: var(--hp-space-2) 0;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      .download {
        display: inline-block;
        margin: var(--hp-space-2) 0;
        padding: 5px 12px;
        border-radius: var(--hp-radius);
        background: var(--hp-accent);
        color: var(--hp-accent-text);
        font-weight: 500;
      }
      .download:hover {
        text-decoration: none;
        filter: brightness(1.08);
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: var(--hp-space-1) var(--hp-space-3);
        margin: var(--hp-space-2) 0 0;
      }
      dt {
        color: var(--hp-muted);
        padding-top: 9px;
      }
      dd {
        margin: 0;
        min-width: 0;
      }
      dd pre {
        margin: var(--hp-space-1) 0;
      }
      .waiting {
        display: flex;
        align-items: center;
        gap: var(--hp-space-2);
        color: var(--hp-muted);
      }
    `,
  ];

  /** The host name the page was loaded from (a sensor's address in standalone mode). */
  @property() accessor host = 'localhost';
  /** The sensors the analyzer has heard from (null while unknown). */
  @property({ attribute: false }) accessor sensors: SensorList | null = null;

  private renderSensors() {
    const list = this.sensors?.sensors ?? [];
    if (list.length === 0)
      return html`<p class="muted sensors-none">
        No sensor has reported to this analyzer yet. Start one (<code>npm start</code> for a laptop,
        <code>honeyproxy-sensor --nats-url nats://&lt;analysis-host&gt;:4222</code> on a gateway) —
        its proxy port is <code>--proxy-port</code> (default 8080) on the sensor's host, printed
        when it starts.
      </p>`;
    return html`<p class="sensors-known">
      Sensors reporting here:
      ${list.map(
        (s) =>
          html`<span class="sensor ${s.state}"
            ><code>${s.id}</code> (${s.mode},
            ${s.state}${s.lastFlowAt === null ? ', no flows yet' : ''})</span
          > `,
      )}
      — the proxy listens on each sensor host's <code>--proxy-port</code> (default 8080).
    </p>`;
  }

  override render() {
    const proxy = `http://${this.host}:8080`;
    return html`<div class="content">
      <h1>No traffic captured yet</h1>
      <p class="lead">
        Flows appear here the moment a sensor captures them — there is no need to reload.
      </p>
      <ol>
        <li>
          <h2>Send a client through a sensor</h2>
          ${this.renderSensors()}
          <p>
            As an explicit HTTP(S) proxy (this page's host; use the sensor's address if it runs
            elsewhere):
          </p>
          <pre class="proxy">${proxy}</pre>
          <p>
            Or as the honeypots' gateway (transparent): redirect their web traffic to the sensor
            with the gateway script, or by hand:
          </p>
          <pre>
honeyproxy-gateway install -i eth1        # deploy/gateway/honeyproxy-gateway, IPv4 + IPv6
iptables -t nat -A PREROUTING -i eth1 -p tcp -m multiport --dports 80,443 -j REDIRECT --to-ports 8080</pre>
          <p class="muted">
            The whole setup, from a bare host to flows in this table, is in
            <code>deploy/README.md</code> (analysis host, sensors, NATS credentials, containment).
          </p>
        </li>
        <li>
          <h2>Trust the HoneyProxy CA for HTTPS</h2>
          <p>
            Clients must trust the certificate authority the sensors sign intercepted connections
            with.
          </p>
          <a class="download" href=${CA_CERT_PATH} download="honeyproxy-ca.pem"
            >Download honeyproxy-ca.pem</a
          >
          <dl>
            <dt>Windows</dt>
            <dd><pre>certutil -addstore -f Root honeyproxy-ca.pem</pre></dd>
            <dt>macOS</dt>
            <dd>
              <pre>
sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain honeyproxy-ca.pem</pre>
            </dd>
            <dt>Debian / Ubuntu</dt>
            <dd>
              <pre>
sudo cp honeyproxy-ca.pem /usr/local/share/ca-certificates/honeyproxy-ca.crt
sudo update-ca-certificates</pre>
            </dd>
            <dt>RHEL / Fedora</dt>
            <dd>
              <pre>
sudo cp honeyproxy-ca.pem /etc/pki/ca-trust/source/anchors/
sudo update-ca-trust</pre>
            </dd>
            <dt>Android</dt>
            <dd>
              <p>
                Settings → Security → Encryption &amp; credentials → Install a certificate → CA
                certificate
              </p>
            </dd>
            <dt>Firefox</dt>
            <dd>
              <p>
                Settings → Privacy &amp; Security → Certificates → View Certificates → Authorities →
                Import…
              </p>
            </dd>
          </dl>
        </li>
        <li>
          <h2>Make a request</h2>
          <pre>curl -x ${proxy} --cacert honeyproxy-ca.pem https://example.com</pre>
          <p class="waiting">It shows up here as soon as the analyzer stores it.</p>
        </li>
      </ol>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-empty-state': HpEmptyState;
  }
}
