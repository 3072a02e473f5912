/** Typed errors of sources; callers branch on `.name`. */

export class SourceExistsError extends Error {
  static override name = 'SourceExistsError'
  constructor (id: string, target: string) {
    super(`${target} is already a source (${id}); sync it with \`mycel sources sync ${id}\``)
    this.name = SourceExistsError.name
  }
}

export class UnknownSourceError extends Error {
  static override name = 'UnknownSourceError'
  constructor (id: string) {
    super(`No source ${id} (see \`mycel sources ls\`)`)
    this.name = UnknownSourceError.name
  }
}

/** The thing a source points at is not what its kind needs: not a git repository, no such folder, an MCP server not registered. */
export class InvalidSourceError extends Error {
  static override name = 'InvalidSourceError'
  constructor (message: string) {
    super(message)
    this.name = InvalidSourceError.name
  }
}

export class TooManySourcesError extends Error {
  static override name = 'TooManySourcesError'
  constructor (max: number) {
    super(`This node keeps at most ${max} sources`)
    this.name = TooManySourcesError.name
  }
}
