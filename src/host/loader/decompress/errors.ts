/**
 * Decompressors throw this for corrupt or truncated input; the image loader
 * turns it into a BadImageError naming the file and the format.
 */
export class CorruptDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptDataError';
  }
}

export function corrupt(message: string): never {
  throw new CorruptDataError(message);
}
