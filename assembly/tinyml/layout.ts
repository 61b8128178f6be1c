// Word offsets in the compiled model (see docs/model.md and host/tinyml/format.ts) and in the per-operator
// state that prepare fills and eval reads.

export const MAGIC: i32 = 0x4c4d5443;
export const VERSION: i32 = 1;
export const HEADER_WORDS: i32 = 10;
export const TENSOR_WORDS: i32 = 14;
export const OP_HEADER_WORDS: i32 = 5;

// Header words.
export const H_TENSORS: i32 = 2;
export const H_OPS: i32 = 3;
export const H_ARENA: i32 = 4;
export const H_INPUTS: i32 = 5;
export const H_OUTPUTS: i32 = 6;
export const H_DATA_START: i32 = 7;
export const H_DATA_BYTES: i32 = 8;
export const H_TOTAL: i32 = 9;

// Tensor record words.
export const T_TYPE: i32 = 0;
export const T_RANK: i32 = 1;
export const T_DIMS: i32 = 2;
export const T_ARENA: i32 = 8;
export const T_DATA: i32 = 9;
export const T_BYTES: i32 = 10;

// Operator state: 20 words per operator.
export const STATE_WORDS: i32 = 20;
export const S_CODE: i32 = 0;
export const S_IN0: i32 = 1; // absolute addresses; 0 = absent
export const S_IN1: i32 = 2;
export const S_IN2: i32 = 3;
export const S_OUT: i32 = 4;
export const S_PARAMS: i32 = 5; // address of the operator's params (i32 words)
export const S_IN_DIMS: i32 = 6; // 4 words, NHWC with leading ones
export const S_OUT_DIMS: i32 = 10; // 4 words
export const S_F_H: i32 = 14; // filter height / width (conv, depthwise)
export const S_F_W: i32 = 15;
export const S_NPARAMS: i32 = 16; // how many params the record carries
export const S_IN_ELEMS: i32 = 17; // element counts of input 0, the output and input 1
export const S_OUT_ELEMS: i32 = 18;
export const S_IN1_ELEMS: i32 = 19;

// Status codes returned by load / invoke.
export const OK: i32 = 0;
export const E_MAGIC: i32 = -1;
export const E_VERSION: i32 = -2;
export const E_BOUNDS: i32 = -3;
export const E_OPCODE: i32 = -4;
export const E_SHAPE: i32 = -5;
export const E_MEMORY: i32 = -6;
export const E_NOT_LOADED: i32 = -7;

// Tensor type codes.
export const TYPE_INT8: i32 = 0;
export const TYPE_INT32: i32 = 1;
export const TYPE_FLOAT32: i32 = 2;
