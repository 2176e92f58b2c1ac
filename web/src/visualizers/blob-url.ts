/**
 * blob: URLs for captured bytes shown through <img> (or offered as a download), owned by a Lit
 * element: one URL per (bytes, type), revoked when the bytes change or the element leaves the
 * page. Blob URLs are same-origin but an <img> never executes what it loads, and the GUI CSP
 * allows blob: only for images, media and frames.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class BlobUrlController implements ReactiveController {
  #bytes: Uint8Array | null = null;
  #type = '';
  #url: string | null = null;

  constructor(host: ReactiveControllerHost) {
    host.addController(this);
  }

  for(bytes: Uint8Array, type: string): string {
    if (this.#url && this.#bytes === bytes && this.#type === type) return this.#url;
    this.revoke();
    this.#bytes = bytes;
    this.#type = type;
    this.#url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
    return this.#url;
  }

  revoke(): void {
    if (this.#url) URL.revokeObjectURL(this.#url);
    this.#url = null;
    this.#bytes = null;
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.revoke();
  }
}
