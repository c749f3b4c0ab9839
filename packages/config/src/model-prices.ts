import { z } from "zod";

/** USD per million tokens; cached input is billed apart from the rest of the input. */
export interface ModelPrice {
  input: number;
  cachedInput: number;
  output: number;
}

const Usd = z.number().nonnegative();

/** One entry of PATCHBAY_MODEL_PRICES. */
export const ModelPriceSchema = z.strictObject({ input: Usd, cachedInput: Usd, output: Usd });

/**
 * OpenAI's list prices for the Codex models at the time of writing. Keys match a model name
 * exactly or as its longest prefix (so dated snapshots find their family's price).
 */
export const DEFAULT_MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  "gpt-5-codex": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5.1-codex": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5.1-codex-max": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5.1-codex-mini": { input: 0.25, cachedInput: 0.025, output: 2 },
  "gpt-5.2-codex": { input: 1.75, cachedInput: 0.175, output: 14 },
  "gpt-5.3-codex": { input: 1.75, cachedInput: 0.175, output: 14 },
};

/**
 * PATCHBAY_MODEL_PRICES: a JSON object `{"<model or prefix>": {"input", "cachedInput", "output"}}`
 * in USD per 1M tokens, merged over the defaults.
 */
export const ModelPricesVar = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined) return { ...DEFAULT_MODEL_PRICES };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: "custom", message: 'must be JSON: {"<model>": {"input", "cachedInput", "output"}}' });
      return z.NEVER;
    }
    const parsed = z.record(z.string().min(1), ModelPriceSchema).safeParse(value);
    if (!parsed.success) {
      ctx.addIssue({ code: "custom", message: z.prettifyError(parsed.error).replaceAll("\n", " ") });
      return z.NEVER;
    }
    return { ...DEFAULT_MODEL_PRICES, ...parsed.data };
  });
