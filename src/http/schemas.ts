/** TypeBox schemas shared by routes: one source for validation, TypeScript types and the OpenAPI document. */
import Type from 'typebox';

/** A union of string literals typed as such (`Type.Union(values.map(Type.Literal))` types as `never`). */
export function literalUnion<const T extends readonly string[]>(values: T, options?: Type.TSchemaOptions) {
  return Type.Unsafe<T[number]>(
    Type.Union(
      values.map((value) => Type.Literal(value)),
      options,
    ),
  );
}

export const Nullable = <T extends Type.TSchema>(schema: T, options?: Type.TSchemaOptions) =>
  Type.Union([schema, Type.Null()], options);

export const Timestamp = Type.String({ format: 'date-time' });

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    request_id: Type.String({
      description: 'The Request-Id of the request that failed: quote it to support; the logs have it.',
    }),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          in: Type.Optional(
            literalUnion(['body', 'query', 'path', 'header'], {
              description: 'Where the field is; omitted: the body.',
            }),
          ),
          pointer: Type.String({
            description:
              'JSON pointer into the body, or /<name> for a query parameter, path parameter or header.',
          }),
          rule: Type.String(),
          message: Type.String(),
          step_id: Type.Optional(Type.String()),
          field: Type.Optional(
            Type.String({ description: 'The step field the error is about, e.g. visible_if.' }),
          ),
          condition: Type.Optional(
            Type.Unknown({ description: 'For step_hidden: the visible_if condition that hides the step.' }),
          ),
        }),
      ),
    ),
  },
  { $id: 'Problem', description: 'An RFC 9457 problem (application/problem+json).' },
);
export type ProblemBody = Type.Static<typeof ProblemSchema>;

const problemResponse = {
  description: 'A problem (RFC 9457): see its type, detail and errors[].',
  content: { 'application/problem+json': { schema: Type.Unsafe<ProblemBody>({ $ref: 'Problem#' }) } },
};

/** Standard error answers for a route, all application/problem+json with the Problem schema. */
export function problems<S extends number>(...statuses: S[]): Record<S, typeof problemResponse> {
  return Object.fromEntries(statuses.map((status) => [status, problemResponse])) as Record<
    S,
    typeof problemResponse
  >;
}

/** A 204 answer: no body (`reply.code(204).send()`). */
export const noContent = (description: string) => Type.Unsafe<undefined>({ type: 'null', description });

export const PageQuerySchema = {
  cursor: Type.Optional(
    Type.String({ maxLength: 200, description: 'The next_cursor of the previous page.' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
};

/** The page of a list: `data` and the cursor of the next page (null on the last). */
export const pageOf = <T extends Type.TSchema>(item: T) =>
  Type.Object({
    data: Type.Array(item),
    next_cursor: Nullable(Type.String(), {
      description: 'Pass as cursor for the next page; null: last page.',
    }),
  });
