import { z } from "zod";

/** What the proxy reads from a Responses API `Response` (the openai SDK's shape, checked at this edge). */
export const ModelResponseSchema = z.looseObject({
  status: z.string().optional(),
  output: z.array(z.looseObject({ type: z.string() })).default([]),
  usage: z
    .looseObject({
      input_tokens: z.number().default(0),
      output_tokens: z.number().default(0),
      input_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
      output_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
    })
    .nullish(),
});
export type ModelResponse = z.output<typeof ModelResponseSchema>;
