/**
 * JSON Schemas from outside (MCP servers' tool schemas, OpenAI requests'
 * function parameters and response formats), checked before anything
 * compiles them: bounded size and depth, local `$ref`s only, no loop that
 * never descends. Then compiled with Ajv, whose first error names a field.
 *
 * @example
 * const schema = checkSchema(raw, { maxBytes: 64 * 1024, maxDepth: 32 })
 * const validate = compileSchema(schema)
 * if (!validate(args)) describeSchemaError(validate.errors) // { field: 'city', reason: 'is required' }
 */
export { checkSchema, compileSchema, describeSchemaError, isObject, type SchemaLimits, type JsonSchema } from './schema.ts'
export { InvalidSchemaError } from './errors.ts'
