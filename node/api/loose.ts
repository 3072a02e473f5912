/**
 * Request shapes for the APIs other clients speak (OpenAI, Anthropic,
 * Ollama): like `object` from `protocol/shape.ts`, but keys it does not name
 * are ignored, since those clients send many fields we have no use for.
 */
import { isPlainObject, object, type Shape } from '../../protocol/shape.ts'

export function loose<S extends Record<string, Shape<unknown>>> (fields: S): ReturnType<typeof object<S>> {
  const strict = object(fields)
  return (value, path) => {
    if (!isPlainObject(value)) return strict(value, path)
    const picked: Record<string, unknown> = {}
    for (const k of Object.keys(fields)) if (k in value) picked[k] = value[k]
    return strict(picked, path)
  }
}
