// One error type for everything the model path refuses, with a code the kernel maps to an ABI result.

export type ModelErrorCode =
  | "corrupt" // the .tflite or compiled model bytes are truncated or malformed
  | "unsupported" // an operator, type or option the core does not implement
  | "not-found" // no model registered under that name
  | "bad-input-length" // the input buffer is not the model's input size
  | "output-too-small" // the output buffer cannot hold the model's output
  | "too-large" // the model does not fit the board (or the core's memory)
  | "core"; // the inference core refused (status code in the message)

export class ModelError extends Error {
  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ModelError";
  }
}

/** The negative `model_invoke` result for each code (host/kernel/abi.ts: -1 invalid, -2 not found, -4 no space). */
export const ABI_RESULT: Readonly<Record<ModelErrorCode, number>> = {
  corrupt: -1,
  unsupported: -1,
  "not-found": -2,
  "bad-input-length": -1,
  "output-too-small": -4,
  "too-large": -4,
  core: -1,
};
