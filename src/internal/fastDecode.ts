/**
 * A fast path for decoding JSON answers, compiled from the schema itself: strings, numbers, booleans, literals,
 * unknowns, arrays, structs, records, unions whose members cannot accept the same value, and struct
 * transformations (`optionalWith` defaults, renames) that the schema declares as property transformations.
 *
 * It answers `Fail` for anything it does not handle, or that does not match: the schema then decodes the value
 * and makes the error. When it answers a value, that value is what the schema's decoder builds (the tests
 * compare the two on every documented payload and on their mutations).
 *
 * @internal
 */
import { Option, SchemaAST as AST } from "effect"
import type { Schema } from "effect"

/** @internal The answer for "ask the schema". */
export const Fail: unique symbol = Symbol.for("effect-agent-platform/fastDecode/Fail")

type Fast = (input: unknown) => unknown

const unsupported: Fast = () => Fail

const hasOwn = Object.prototype.hasOwnProperty

const isPlainObject = (input: unknown): input is Record<string, unknown> =>
  typeof input === "object" && input !== null && !Array.isArray(input)

/**
 * The kinds of JSON value a union member can accept (`undefined` for any): a union's are its members', a
 * transformation's or a refinement's are those of what it starts from.
 */
const kindsOf = (ast: AST.AST): ReadonlyArray<string | undefined> => {
  switch (ast._tag) {
    case "StringKeyword":
      return ["string"]
    case "NumberKeyword":
      return ["number"]
    case "BooleanKeyword":
      return ["boolean"]
    case "UndefinedKeyword":
      return ["undefined"]
    case "Literal":
      return [ast.literal === null ? "null" : typeof ast.literal]
    case "TypeLiteral":
      return ["object"]
    case "TupleType":
      return ["array"]
    case "Union":
      return ast.types.flatMap(kindsOf)
    case "Transformation":
    case "Refinement":
      return kindsOf(ast.from)
    default:
      return [undefined]
  }
}

/** Whose decoding answers its input as it is, when it succeeds. */
const identities = new Set<AST.AST["_tag"]>([
  "UnknownKeyword",
  "AnyKeyword",
  "UndefinedKeyword",
  "StringKeyword",
  "NumberKeyword",
  "BooleanKeyword",
  "Literal"
])

const compiled = new WeakMap<AST.AST, Fast>()

const compile = (ast: AST.AST): Fast => {
  const known = compiled.get(ast)
  if (known !== undefined) return known
  // a placeholder while compiling, in case of a cycle (a suspended schema is not handled anyway)
  compiled.set(ast, unsupported)
  const fast = build(ast)
  compiled.set(ast, fast)
  return fast
}

const build = (ast: AST.AST): Fast => {
  switch (ast._tag) {
    case "StringKeyword":
      return (input) => typeof input === "string" ? input : Fail
    case "NumberKeyword":
      return (input) => typeof input === "number" ? input : Fail
    case "BooleanKeyword":
      return (input) => typeof input === "boolean" ? input : Fail
    case "UndefinedKeyword":
      return (input) => input === undefined ? input : Fail
    case "UnknownKeyword":
    case "AnyKeyword":
      return (input) => input
    case "Literal": {
      const literal = ast.literal
      return (input) => input === literal ? input : Fail
    }
    case "TupleType": {
      if (ast.elements.length !== 0 || ast.rest.length !== 1) return unsupported
      const item = compile(ast.rest[0]!.type)
      return (input) => {
        if (!Array.isArray(input)) return Fail
        const out = new Array(input.length)
        for (let i = 0; i < input.length; i++) {
          const value = item(input[i])
          if (value === Fail) return Fail
          out[i] = value
        }
        return out
      }
    }
    case "TypeLiteral": {
      if (ast.indexSignatures.length === 0) {
        const properties = ast.propertySignatures.map((ps) => {
          if (typeof ps.name !== "string") return undefined
          return { name: ps.name, optional: ps.isOptional, decode: compile(ps.type) }
        })
        if (properties.some((p) => p === undefined)) return unsupported
        const props = properties as ReadonlyArray<{ readonly name: string; readonly optional: boolean; readonly decode: Fast }>
        return (input) => {
          if (!isPlainObject(input)) return Fail
          const out: Record<string, unknown> = {}
          for (const { decode, name, optional } of props) {
            if (hasOwn.call(input, name)) {
              const value = decode(input[name])
              if (value === Fail) return Fail
              out[name] = value
            } else if (!optional) {
              return Fail
            }
          }
          return out
        }
      }
      // a record of string keys: `Schema.Record({ key: Schema.String, value })`
      if (ast.propertySignatures.length !== 0 || ast.indexSignatures.length !== 1) return unsupported
      const signature = ast.indexSignatures[0]!
      if (signature.parameter._tag !== "StringKeyword") return unsupported
      const value = compile(signature.type)
      return (input) => {
        if (!isPlainObject(input)) return Fail
        const out: Record<string, unknown> = {}
        for (const key of Object.keys(input)) {
          const decoded = value(input[key])
          if (decoded === Fail) return Fail
          out[key] = decoded
        }
        return out
      }
    }
    case "Union": {
      // `Schema.optional(Schema.Unknown)`: members that all answer their input as it is, one of them any input
      if (ast.types.some((member) => member._tag === "UnknownKeyword" || member._tag === "AnyKeyword")) {
        return ast.types.every((member) => identities.has(member._tag)) ? (input) => input : unsupported
      }
      const kinds = ast.types.flatMap(kindsOf)
      if (kinds.some((kind) => kind === undefined) || new Set(kinds).size !== kinds.length) return unsupported
      // at most one member can accept a given value (a member not handled answers Fail for what it would take):
      // the order of the members does not matter
      const members = ast.types.map(compile)
      return (input) => {
        for (const member of members) {
          const value = member(input)
          if (value !== Fail) return value
        }
        return Fail
      }
    }
    case "Transformation": {
      const transformation = ast.transformation
      if (transformation._tag !== "TypeLiteralTransformation" || ast.from._tag !== "TypeLiteral") return unsupported
      const from = compile(ast.from)
      const to = compile(ast.to)
      const steps = transformation.propertySignatureTransformations
      return (input) => {
        // the struct's fast path built a fresh object: it is ours to change, as the schema changes its own
        const value = from(input) as Record<PropertyKey, unknown> | typeof Fail
        if (value === Fail) return Fail
        for (const step of steps) {
          const decoded = step.decode(hasOwn.call(value, step.from) ? Option.some(value[step.from]) : Option.none())
          delete value[step.from]
          if (Option.isSome(decoded)) value[step.to] = decoded.value
        }
        return to(value)
      }
    }
    default:
      return unsupported
  }
}

/** @internal The fast path of a schema's decoder: the decoded value, or `Fail` (then ask the schema). */
export const make = <A, I>(schema: Schema.Schema<A, I>): (input: unknown) => A | typeof Fail =>
  compile(schema.ast) as (input: unknown) => A | typeof Fail
