/** Request bodies of the control API, parsed with a shape before a handler looks at them. */
import { parse, type Shape } from '../../protocol/shape.ts'
import { MalformedMessageError } from '../../protocol/errors.ts'
import { HttpError } from './errors.ts'

/** Parses a body with a shape, turning shape errors into 400s. */
export function body<T> (shape: Shape<T>, value: unknown, what: string): T {
  try {
    return parse(shape, value ?? {}, what)
  } catch (err) {
    if (err instanceof MalformedMessageError) throw new HttpError('malformed', err.message)
    throw err
  }
}
