/**
 * List pages. The contract's form is `{ "object": "list", "data": [...], "has_more": bool }`; the named-array
 * form (`{ "sessions": [...] }`, `{ "events": [...] }`, …) is accepted too.
 *
 * @since 0.1.0
 */
import { Chunk, Effect, Option, Schema, Stream } from "effect"

/**
 * One page of a list.
 *
 * @since 0.1.0
 * @category models
 */
export interface Page<A> {
  readonly data: ReadonlyArray<A>
  readonly hasMore: boolean
}

/**
 * Pagination parameters: `limit` and `starting_after` (the id, or for events the sequence number, after which
 * the page starts).
 *
 * @since 0.1.0
 * @category models
 */
export interface PageParams {
  readonly limit?: number | undefined
  readonly startingAfter?: string | undefined
}

/**
 * The schema of a page of `item`, accepting the `data` form and the form named `name`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const schema = <A, I, R>(
  item: Schema.Schema<A, I, R>,
  name: string
): Schema.Schema<Page<A>, unknown, R> => {
  const DataForm = Schema.Struct({
    data: Schema.Array(item),
    has_more: Schema.optionalWith(Schema.Boolean, { default: () => false })
  })
  const NamedForm = Schema.Struct({
    [name]: Schema.Array(item),
    has_more: Schema.optionalWith(Schema.Boolean, { default: () => false })
  }) as unknown as Schema.Schema<Record<string, ReadonlyArray<A> | boolean>, unknown, R>
  const Decoded = Schema.Struct({ data: Schema.Array(Schema.typeSchema(item)), hasMore: Schema.Boolean })
  return Schema.Union(
    Schema.transform(DataForm, Decoded, {
      strict: false,
      decode: (page) => ({ data: page.data, hasMore: page.has_more }),
      encode: (page) => ({ data: page.data, has_more: page.hasMore })
    }),
    Schema.transform(NamedForm, Decoded, {
      strict: false,
      decode: (page) => ({ data: page[name] as ReadonlyArray<A>, hasMore: page.has_more === true }),
      encode: (page) => ({ [name]: page.data, has_more: page.hasMore })
    })
  ) as unknown as Schema.Schema<Page<A>, unknown, R>
}

/**
 * A stream over every page of a list, following `starting_after` with the last item's id.
 *
 * @since 0.1.0
 * @category constructors
 */
export const stream = <A extends { readonly id: string }, E, R>(
  page: (startingAfter: string | undefined) => Effect.Effect<Page<A>, E, R>
): Stream.Stream<A, E, R> =>
  Stream.paginateChunkEffect(undefined as string | undefined, (startingAfter) =>
    Effect.map(page(startingAfter), (result) => {
      const last = result.data[result.data.length - 1]
      const next: Option.Option<string | undefined> = result.hasMore && last !== undefined
        ? Option.some(last.id)
        : Option.none()
      return [Chunk.unsafeFromArray(result.data.slice()), next] as const
    }))
