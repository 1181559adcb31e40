/** Request bodies of the executor API. Strict (unknown fields refused); the domain checks the meaning. */
import Type from 'typebox';

export const RequestId = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9._:-]+$',
  description: 'Client-made id of this write; a retry with the same id changes nothing.',
});

export const IdentitySchema = Type.Object(
  {
    mode: Type.Optional(
      Type.Union([Type.Literal('anonymous'), Type.Literal('external'), Type.Literal('member')]),
    ),
    name: Type.Optional(Type.String({ maxLength: 1000 })),
    email: Type.Optional(Type.String({ maxLength: 1000 })),
    phone: Type.Optional(Type.String({ maxLength: 100 })),
    user_id: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const StartBody = Type.Object(
  { identity: Type.Optional(IdentitySchema) },
  { additionalProperties: false },
);

export const AnswerBody = Type.Object(
  {
    answer: Type.Optional(
      Type.Unknown({
        description: 'The answer, shaped by the step type; null for photo and instruction steps.',
      }),
    ),
    media_ids: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })),
    geo: Type.Optional(Type.Unknown({ description: '{ lat, lng, accuracy_m } or null.' })),
    request_id: Type.Optional(RequestId),
  },
  { additionalProperties: false },
);

export const SkipBody = Type.Object(
  { request_id: Type.Optional(RequestId) },
  { additionalProperties: false },
);

export const SubmitBody = SkipBody;

export const CancelBody = Type.Object(
  {
    last_step_id: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
    request_id: Type.Optional(RequestId),
  },
  { additionalProperties: false },
);

export interface RunParams {
  run_id: string;
}

export interface StepParams extends RunParams {
  step_id: string;
}
