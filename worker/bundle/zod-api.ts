// The members of `z` the Worker's code calls, nothing else (why: zod.ts). zod.test.ts lists what
// the code calls and fails, naming the member, when one is missing here: add it to this list.
export {
  ZodArray,
  ZodDefault,
  ZodNullable,
  ZodObject,
  ZodOptional,
  ZodRecord,
  ZodTuple,
  array,
  boolean,
  custom,
  discriminatedUnion,
  email,
  enum,
  literal,
  null,
  number,
  object,
  preprocess,
  record,
  strictObject,
  string,
  tuple,
  union,
  unknown,
} from "../../node_modules/zod/v4/classic/schemas.js";
export * as coerce from "../../node_modules/zod/v4/classic/coerce.js";
export * as iso from "../../node_modules/zod/v4/classic/iso.js";
