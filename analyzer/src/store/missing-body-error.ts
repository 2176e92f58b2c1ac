/** Ref bodies a batch relies on are not stored (the caller skipped fetching them wrongly). */
export class MissingBodyError extends Error {
  override readonly name = 'MissingBodyError';
}
