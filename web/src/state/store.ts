/**
 * A minimal observable store: one immutable state object, shallow-merged updates, synchronous
 * listeners. State lives here, outside components; components read it through StoreController.
 */

export type Listener<S> = (state: S, previous: S) => void;

export class Store<S extends object> {
  #state: S;
  readonly #listeners = new Set<Listener<S>>();

  constructor(initial: S) {
    this.#state = initial;
  }

  get state(): S {
    return this.#state;
  }

  /** Shallow-merges `patch` (or what `fn(state)` returns) and notifies listeners. */
  update(patch: Partial<S> | ((state: S) => Partial<S>)): void {
    const previous = this.#state;
    const delta = typeof patch === 'function' ? patch(previous) : patch;
    this.#state = { ...previous, ...delta };
    for (const listener of this.#listeners) listener(this.#state, previous);
  }

  /** Calls `listener` after every update; returns the unsubscribe function. */
  subscribe(listener: Listener<S>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
