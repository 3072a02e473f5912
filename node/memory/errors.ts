/** Typed errors of the memory module; callers branch on `.name`. */

export class UnknownCollectionError extends Error {
  static override name = 'UnknownCollectionError'
  constructor (collection = '', message = `No memory collection named "${collection}"`) {
    super(message)
    this.name = UnknownCollectionError.name
  }
}

export class InvalidCollectionNameError extends Error {
  static override name = 'InvalidCollectionNameError'
  constructor (message = 'Collection names are 1-64 characters of letters, digits, ".", "_" and "-"') {
    super(message)
    this.name = InvalidCollectionNameError.name
  }
}

export class UnknownDocumentError extends Error {
  static override name = 'UnknownDocumentError'
  constructor (message = 'No such document in the collection') {
    super(message)
    this.name = UnknownDocumentError.name
  }
}

/** The store was written with an encryption key and none (or a different one) was given. */
export class WrongKeyError extends Error {
  static override name = 'WrongKeyError'
  constructor (message = 'The memory store is encrypted with a different key (check MYCEL_PASSPHRASE)') {
    super(message)
    this.name = WrongKeyError.name
  }
}

/** The store holds unencrypted values and a key was given, or the reverse without a key. */
export class EncryptionMismatchError extends Error {
  static override name = 'EncryptionMismatchError'
  constructor (message = 'The memory store was created without encryption; it cannot be opened with a key') {
    super(message)
    this.name = EncryptionMismatchError.name
  }
}

/** A stored value failed to decrypt or decode: tampering or corruption. */
export class CorruptValueError extends Error {
  static override name = 'CorruptValueError'
  constructor (message = 'A stored memory value failed its integrity check') {
    super(message)
    this.name = CorruptValueError.name
  }
}

export class StoreClosedError extends Error {
  static override name = 'StoreClosedError'
  constructor (message = 'The memory store is not started or already stopped') {
    super(message)
    this.name = StoreClosedError.name
  }
}

export class EmbeddingDimensionError extends Error {
  static override name = 'EmbeddingDimensionError'
  constructor (message = 'The embed function returned vectors of a different size than the collection holds') {
    super(message)
    this.name = EmbeddingDimensionError.name
  }
}

export class NoEmbedderError extends Error {
  static override name = 'NoEmbedderError'
  readonly code = 'unavailable'
  constructor (message = 'This node has no embedding model: register one (`mycel models add`) or set MYCEL_EMBED_MODEL, then start the node') {
    super(message)
    this.name = NoEmbedderError.name
  }
}

/** A document the extractors cannot turn into text: a broken, huge or image-only PDF, or bytes that are not text. */
export class UnreadableDocumentError extends Error {
  static override name = 'UnreadableDocumentError'
  constructor (message = 'The document has no text that can be indexed') {
    super(message)
    this.name = UnreadableDocumentError.name
  }
}
