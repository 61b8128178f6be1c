// The registry: TFLite builtin operator code -> the kernel's prepare and eval. The only switch on the code.
import * as add from "./kernels/add";
import * as batchMatmul from "./kernels/batch_matmul";
import * as averagePool2d from "./kernels/average_pool2d";
import * as concatenation from "./kernels/concatenation";
import * as conv2d from "./kernels/conv2d";
import * as depthwiseConv2d from "./kernels/depthwise_conv2d";
import * as dequantize from "./kernels/dequantize";
import * as fullyConnected from "./kernels/fully_connected";
import * as gather from "./kernels/gather";
import * as gelu from "./kernels/gelu";
import * as layerNorm from "./kernels/layer_norm";
import * as logistic from "./kernels/logistic";
import * as maxPool2d from "./kernels/max_pool2d";
import * as mul from "./kernels/mul";
import * as pad from "./kernels/pad";
import * as quantize from "./kernels/quantize";
import * as relu from "./kernels/relu";
import * as reshape from "./kernels/reshape";
import * as softmax from "./kernels/softmax";
import * as transpose from "./kernels/transpose";
import { E_OPCODE } from "./layout";

export const ADD: i32 = 0;
export const AVERAGE_POOL_2D: i32 = 1;
export const CONCATENATION: i32 = 2;
export const CONV_2D: i32 = 3;
export const DEPTHWISE_CONV_2D: i32 = 4;
export const DEQUANTIZE: i32 = 6;
export const FULLY_CONNECTED: i32 = 9;
export const LOGISTIC: i32 = 14;
export const MAX_POOL_2D: i32 = 17;
export const RELU: i32 = 19;
export const RELU6: i32 = 21;
export const RESHAPE: i32 = 22;
export const SOFTMAX: i32 = 25;
export const PAD: i32 = 34;
export const MUL: i32 = 18;
export const GATHER: i32 = 36;
export const TRANSPOSE: i32 = 39;
export const QUANTIZE: i32 = 114;
export const BATCH_MATMUL: i32 = 126;
export const GELU: i32 = 150;
/** Not a TFLite builtin: the compiler's code for the CUSTOM op "COLONY_LAYER_NORM". */
export const LAYER_NORM: i32 = 0x10001;

export function prepareOp(code: i32, s: usize): i32 {
  switch (code) {
    case ADD: return add.prepare(s);
    case AVERAGE_POOL_2D: return averagePool2d.prepare(s);
    case CONCATENATION: return concatenation.prepare(s);
    case CONV_2D: return conv2d.prepare(s);
    case DEPTHWISE_CONV_2D: return depthwiseConv2d.prepare(s);
    case DEQUANTIZE: return dequantize.prepare(s);
    case FULLY_CONNECTED: return fullyConnected.prepare(s);
    case LOGISTIC: return logistic.prepare(s);
    case MAX_POOL_2D: return maxPool2d.prepare(s);
    case RELU: return relu.prepare(s);
    case RELU6: return relu.prepare(s);
    case RESHAPE: return reshape.prepare(s);
    case SOFTMAX: return softmax.prepare(s);
    case PAD: return pad.prepare(s);
    case QUANTIZE: return quantize.prepare(s);
    case MUL: return mul.prepare(s);
    case GATHER: return gather.prepare(s);
    case TRANSPOSE: return transpose.prepare(s);
    case BATCH_MATMUL: return batchMatmul.prepare(s);
    case GELU: return gelu.prepare(s);
    case LAYER_NORM: return layerNorm.prepare(s);
  }
  return E_OPCODE;
}

export function evalOp(code: i32, s: usize): void {
  switch (code) {
    case ADD: add.eval_(s); break;
    case AVERAGE_POOL_2D: averagePool2d.eval_(s); break;
    case CONCATENATION: concatenation.eval_(s); break;
    case CONV_2D: conv2d.eval_(s); break;
    case DEPTHWISE_CONV_2D: depthwiseConv2d.eval_(s); break;
    case DEQUANTIZE: dequantize.eval_(s); break;
    case FULLY_CONNECTED: fullyConnected.eval_(s); break;
    case LOGISTIC: logistic.eval_(s); break;
    case MAX_POOL_2D: maxPool2d.eval_(s); break;
    case RELU: relu.eval_(s); break;
    case RELU6: relu.eval_(s); break;
    case RESHAPE: reshape.eval_(s); break;
    case SOFTMAX: softmax.eval_(s); break;
    case PAD: pad.eval_(s); break;
    case QUANTIZE: quantize.eval_(s); break;
    case MUL: mul.eval_(s); break;
    case GATHER: gather.eval_(s); break;
    case TRANSPOSE: transpose.eval_(s); break;
    case BATCH_MATMUL: batchMatmul.eval_(s); break;
    case GELU: gelu.eval_(s); break;
    case LAYER_NORM: layerNorm.eval_(s); break;
  }
}
