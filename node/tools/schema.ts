/**
 * The tool layer's view of the JSON Schema checks (node/json-schema): the
 * same checks, with a refusal that names the tool.
 */
import type { ValidateFunction } from 'ajv'
import * as jsonSchema from '../json-schema/index.ts'
import { InvalidToolDefinitionError } from './errors.ts'
import type { JsonSchema } from './types.ts'

export { describeSchemaError, isObject, type SchemaLimits } from '../json-schema/index.ts'

function named<T> (tool: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof jsonSchema.InvalidSchemaError) throw new InvalidToolDefinitionError(tool, err.reason)
    throw err
  }
}

/** Throws `InvalidToolDefinitionError` unless `schema` is a bounded, local, loop-free object schema (MCP requires an object). */
export function checkSchema (tool: string, schema: unknown, limits: jsonSchema.SchemaLimits): JsonSchema {
  return named(tool, () => jsonSchema.checkSchema(schema, limits))
}

/** Compiles a checked schema with Ajv (see node/json-schema). */
export function compileSchema (tool: string, schema: JsonSchema): ValidateFunction {
  return named(tool, () => jsonSchema.compileSchema(schema))
}
