/** TypeBox schemas shared by routes: one source for validation, TypeScript types and the OpenAPI document. */
import Type from 'typebox';

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
            Type.Union(
              ['body', 'query', 'path', 'header'].map((where) => Type.Literal(where)),
              {
                description: 'Where the field is; omitted: the body.',
              },
            ),
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

export const problemRef = Type.Unsafe<unknown>({ $ref: 'Problem#' });

/** Standard error answers for a route, all application/problem+json. */
export function problems(...statuses: number[]): Record<number, unknown> {
  return Object.fromEntries(statuses.map((status) => [status, problemRef]));
}

export const PageQuerySchema = {
  cursor: Type.Optional(
    Type.String({ maxLength: 200, description: 'The next_cursor of the previous page.' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
};
