/**
 * Ties a Lit element to a Store: subscribes while the element is connected and re-renders it when
 * the selected slice changes (by identity, so unchanged slices cost nothing).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Store } from './store.js';

export class StoreController<S extends object, T = S> implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #store: Store<S>;
  readonly #select: (state: S) => T;
  #unsubscribe: (() => void) | null = null;
  value: T;

  constructor(host: ReactiveControllerHost, store: Store<S>, select: (state: S) => T) {
    this.#host = host;
    this.#store = store;
    this.#select = select;
    this.value = select(store.state);
    host.addController(this);
  }

  hostConnected(): void {
    this.value = this.#select(this.#store.state);
    this.#unsubscribe = this.#store.subscribe((state) => {
      const next = this.#select(state);
      if (next === this.value) return;
      this.value = next;
      this.#host.requestUpdate();
    });
  }

  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }
}
