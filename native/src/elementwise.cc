// JS entry points for elementwise maps, row reductions and fused row kernels, and the portable
// (one-lane) instantiation of their templates. Large inputs are split over the thread pool:
// contiguous element ranges for maps, whole rows for row kernels.
// JS: unaryF32, binaryF32, reduceRowsF32, argmaxRowsF32, softmaxRowsF32, layerNormRowsF32,
//     rmsNormRowsF32, addLayerNormRowsF32, layerNormQuantRowsF32 (argument order in src/backend/native/binding.ts).
#include <cstring>
#include <string>

#include "frugal/cpu.h"
#include "frugal/elementwise-kernels.h"
#include "frugal/napi-args.h"
#include "frugal/quant-kernels.h"
#include "frugal/registry.h"
#include "frugal/simd/vec-scalar.h"
// The traits must precede the kernel templates.
#include "frugal/simd/elementwise-impl.h"
#include "frugal/simd/rows-impl.h"
#include "frugal/thread-pool.h"

namespace frugal {

ElementwiseTable ElementwiseScalar() { return MakeElementwiseTable<VecScalar>(); }

ElementwiseTable SelectElementwise() {
#ifdef FRUGAL_X86
  switch (ActiveIsa()) {
    case kIsaAvx512: return avx512::Elementwise();
    case kIsaAvx2: return avx2::Elementwise();
    default: break;
  }
#endif
  return ElementwiseScalar();
}

namespace {

// Below this many elements per thread, waking a worker costs more than it saves.
constexpr int64_t kGrain = 16384;

const char* const kUnaryNames[] = {"neg",     "abs",  "exp",       "log",      "sqrt", "rsqrt",
                                   "tanh",    "sigmoid", "relu",   "gelu_tanh", "gelu_erf", "silu"};
const char* const kBinaryNames[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum"};
const char* const kReduceNames[] = {"sum", "mean", "max", "min", "var", "logsumexp"};
static_assert(sizeof(kUnaryNames) / sizeof(kUnaryNames[0]) == kUnaryCount, "unary op names");
static_assert(sizeof(kBinaryNames) / sizeof(kBinaryNames[0]) == kBinaryCount, "binary op names");
static_assert(sizeof(kReduceNames) / sizeof(kReduceNames[0]) == kReduceCount, "reduce op names");

int OpCode(Args& args, const Napi::CallbackInfo& info, const char* const* names, int count) {
  if (!args.ok()) return -1;
  if (info.Length() > 0 && info[0].IsString()) {
    const std::string name = info[0].As<Napi::String>().Utf8Value();
    for (int i = 0; i < count; i++)
      if (name == names[i]) return i;
  }
  std::string list;
  for (int i = 0; i < count; i++) list += (i ? ", " : "") + std::string(names[i]);
  args.Fail("argument 'op' must be one of: " + list);
  return -1;
}

int64_t RowGrain(int64_t cols) { return cols > 0 && cols < kGrain ? kGrain / cols : 1; }

Napi::Value UnaryJs(const Napi::CallbackInfo& info) {
  Args args(info, "unaryF32");
  const int op = OpCode(args, info, kUnaryNames, kUnaryCount);
  const ArrayArg<float> x = args.Array<float>(1, "x");
  const int64_t xOff = args.Int(2, "xOffset");
  const ArrayArg<float> out = args.Array<float>(3, "out");
  const int64_t outOff = args.Int(4, "outOffset");
  const int64_t n = args.Int(5, "n");
  args.Need(x, "x", xOff, n);
  args.Need(out, "out", outOff, n);
  if (!args.ok()) return info.Env().Undefined();
  const ElementwiseTable t = SelectElementwise();
  const float* src = x.data + xOff;
  float* dst = out.data + outOff;
  ParallelFor(n, kGrain, [&](int64_t b, int64_t e) { t.unary(op, src + b, dst + b, e - b); });
  return info.Env().Undefined();
}

Napi::Value BinaryJs(const Napi::CallbackInfo& info) {
  Args args(info, "binaryF32");
  const int op = OpCode(args, info, kBinaryNames, kBinaryCount);
  const ArrayArg<float> a = args.Array<float>(1, "a");
  const int64_t aOff = args.Int(2, "aOffset");
  const ArrayArg<float> b = args.Array<float>(3, "b");
  const int64_t bOff = args.Int(4, "bOffset");
  const int64_t bLen = args.Int(5, "bLen", 1);
  const int64_t inner = args.Int(6, "inner", 1);
  const ArrayArg<float> out = args.Array<float>(7, "out");
  const int64_t outOff = args.Int(8, "outOffset");
  const int64_t n = args.Int(9, "n");
  if (args.ok() && n > 0 && (n % bLen != 0 && bLen != 1))
    args.Fail("bLen (" + std::to_string(bLen) + ") must be 1 or divide n (" + std::to_string(n) + ")");
  if (args.ok() && n > 0 && n % inner != 0)
    args.Fail("inner (" + std::to_string(inner) + ") must divide n (" + std::to_string(n) + ")");
  args.Need(a, "a", aOff, n);
  args.Need(b, "b", bOff, n > 0 ? bLen : 0);
  args.Need(out, "out", outOff, n);
  if (!args.ok()) return info.Env().Undefined();
  const ElementwiseTable t = SelectElementwise();
  const float* pa = a.data + aOff;
  const float* pb = b.data + bOff;
  float* po = out.data + outOff;
  ParallelFor(n, kGrain, [&](int64_t s, int64_t e) { t.binary(op, pa, pb, bLen, inner, po, s, e); });
  return info.Env().Undefined();
}

// Reads (x, xOffset, rows, cols) starting at argument `first`, checking the [rows, cols] block.
struct RowsArgs {
  const float* x = nullptr;
  int64_t rows = 0, cols = 0;
};

RowsArgs ReadRows(Args& args, size_t first) {
  RowsArgs r;
  const ArrayArg<float> x = args.Array<float>(first, "x");
  const int64_t xOff = args.Int(first + 1, "xOffset");
  r.rows = args.Int(first + 2, "rows");
  r.cols = args.Int(first + 3, "cols");
  args.Need(x, "x", xOff, r.rows * r.cols);
  if (args.ok()) r.x = x.data + xOff;
  return r;
}

template <typename T>
T* ReadOut(Args& args, size_t idx, int64_t count) {
  const ArrayArg<T> out = args.Array<T>(idx, "out");
  const int64_t off = args.Int(idx + 1, "outOffset");
  args.Need(out, "out", off, count);
  return args.ok() ? out.data + off : nullptr;
}

const float* ReadOptional(Args& args, size_t idx, const char* name, int64_t count) {
  if (args.IsNullish(idx)) return nullptr;
  const ArrayArg<float> v = args.Array<float>(idx, name);
  if (args.ok() && v.length != count)
    args.Fail(std::string("argument '") + name + "' must have cols = " + std::to_string(count) + " entries, got " +
              std::to_string(v.length));
  return args.ok() ? v.data : nullptr;
}

Napi::Value ReduceJs(const Napi::CallbackInfo& info) {
  Args args(info, "reduceRowsF32");
  const int op = OpCode(args, info, kReduceNames, kReduceCount);
  const RowsArgs r = ReadRows(args, 1);
  float* out = ReadOut<float>(args, 5, r.rows);
  if (args.ok() && r.cols == 0 && r.rows > 0 && (op == kMax || op == kMin))
    args.Fail(std::string(kReduceNames[op]) + " of an empty row (cols = 0) is undefined");
  if (!args.ok()) return info.Env().Undefined();
  const ElementwiseTable t = SelectElementwise();
  ParallelFor(r.rows, RowGrain(r.cols),
              [&](int64_t b, int64_t e) { t.reduce_rows(op, r.x + b * r.cols, e - b, r.cols, out + b); });
  return info.Env().Undefined();
}

Napi::Value ArgmaxJs(const Napi::CallbackInfo& info) {
  Args args(info, "argmaxRowsF32");
  const RowsArgs r = ReadRows(args, 0);
  int32_t* out = ReadOut<int32_t>(args, 4, r.rows);
  if (args.ok() && r.cols == 0 && r.rows > 0) args.Fail("argmax of an empty row (cols = 0) is undefined");
  if (args.ok() && r.cols > 2147483647) args.Fail("cols must fit an int32 index");
  if (!args.ok()) return info.Env().Undefined();
  const ElementwiseTable t = SelectElementwise();
  ParallelFor(r.rows, RowGrain(r.cols),
              [&](int64_t b, int64_t e) { t.argmax_rows(r.x + b * r.cols, e - b, r.cols, out + b); });
  return info.Env().Undefined();
}

Napi::Value SoftmaxJs(const Napi::CallbackInfo& info) {
  Args args(info, "softmaxRowsF32");
  const RowsArgs r = ReadRows(args, 0);
  float* out = ReadOut<float>(args, 4, r.rows * r.cols);
  const bool log = args.Bool(6, "log");
  if (!args.ok()) return info.Env().Undefined();
  const ElementwiseTable t = SelectElementwise();
  ParallelFor(r.rows, RowGrain(r.cols), [&](int64_t b, int64_t e) {
    t.softmax_rows(r.x + b * r.cols, e - b, r.cols, out + b * r.cols, log);
  });
  return info.Env().Undefined();
}

Napi::Value LayerNormJs(const Napi::CallbackInfo& info) {
  Args args(info, "layerNormRowsF32");
  const RowsArgs r = ReadRows(args, 0);
  const float* gamma = ReadOptional(args, 4, "gamma", r.cols);
  const float* beta = ReadOptional(args, 5, "beta", r.cols);
  const float eps = static_cast<float>(args.Num(6, "eps"));
  float* out = ReadOut<float>(args, 7, r.rows * r.cols);
  if (args.ok() && !(eps >= 0)) args.Fail("eps must be >= 0");
  if (!args.ok()) return info.Env().Undefined();
  const ElementwiseTable t = SelectElementwise();
  ParallelFor(r.rows, RowGrain(r.cols), [&](int64_t b, int64_t e) {
    t.layer_norm_rows(r.x + b * r.cols, e - b, r.cols, gamma, beta, eps, out + b * r.cols);
  });
  return info.Env().Undefined();
}

// out = layerNorm(x + residual): the sum of each row is written to out and normalized there
// while the row is still in L1, one pass over memory instead of an add and a norm.
Napi::Value AddLayerNormJs(const Napi::CallbackInfo& info) {
  Args args(info, "addLayerNormRowsF32");
  const RowsArgs r = ReadRows(args, 0);
  const ArrayArg<float> res = args.Array<float>(4, "residual");
  const int64_t resOff = args.Int(5, "residualOffset");
  const float* gamma = ReadOptional(args, 6, "gamma", r.cols);
  const float* beta = ReadOptional(args, 7, "beta", r.cols);
  const float eps = static_cast<float>(args.Num(8, "eps"));
  float* out = ReadOut<float>(args, 9, r.rows * r.cols);
  args.Need(res, "residual", resOff, r.rows * r.cols);
  if (args.ok() && !(eps >= 0)) args.Fail("eps must be >= 0");
  if (!args.ok()) return info.Env().Undefined();
  const ElementwiseTable t = SelectElementwise();
  const float* residual = res.data + resOff;
  ParallelFor(r.rows, RowGrain(r.cols), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      float* row = out + i * r.cols;
      t.binary(kAdd, r.x + i * r.cols, residual + i * r.cols, r.cols, 1, row, 0, r.cols);
      t.layer_norm_rows(row, 1, r.cols, gamma, beta, eps, row);
    }
  });
  return info.Env().Undefined();
}

// out = layerNorm(x (+ residual)), and out quantized token-wise for a u8 x s8 GEMM (codes, scales:
// quantizeRowsU8 of out) while each row is still in L1: ZeroQuant's activation quantization fused
// into the norm that produces the activation.
Napi::Value LayerNormQuantJs(const Napi::CallbackInfo& info) {
  Args args(info, "layerNormQuantRowsF32");
  const RowsArgs r = ReadRows(args, 0);
  const float* residual = nullptr;
  if (!args.IsNullish(4)) {
    const ArrayArg<float> res = args.Array<float>(4, "residual");
    const int64_t resOff = args.Int(5, "residualOffset");
    args.Need(res, "residual", resOff, r.rows * r.cols);
    if (args.ok()) residual = res.data + resOff;
  }
  const float* gamma = ReadOptional(args, 6, "gamma", r.cols);
  const float* beta = ReadOptional(args, 7, "beta", r.cols);
  const float eps = static_cast<float>(args.Num(8, "eps"));
  float* out = ReadOut<float>(args, 9, r.rows * r.cols);
  const ArrayArg<uint8_t> codes = args.Array<uint8_t>(11, "codes");
  const ArrayArg<float> scales = args.Array<float>(12, "scales");
  args.Need(codes, "codes", 0, r.rows * r.cols);
  args.Need(scales, "scales", 0, r.rows);
  if (args.ok() && !(eps >= 0)) args.Fail("eps must be >= 0");
  if (!args.ok()) return info.Env().Undefined();
  const ElementwiseTable t = SelectElementwise();
  const QuantizeRowU8 quantize = SelectQuantizeRowU8();
  ParallelFor(r.rows, RowGrain(r.cols), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      float* row = out + i * r.cols;
      const float* src = r.x + i * r.cols;
      if (residual) {
        t.binary(kAdd, src, residual + i * r.cols, r.cols, 1, row, 0, r.cols);
        src = row;
      }
      t.layer_norm_rows(src, 1, r.cols, gamma, beta, eps, row);
      scales.data[i] = quantize(row, r.cols, codes.data + i * r.cols);
    }
  });
  return info.Env().Undefined();
}

Napi::Value RmsNormJs(const Napi::CallbackInfo& info) {
  Args args(info, "rmsNormRowsF32");
  const RowsArgs r = ReadRows(args, 0);
  const float* gamma = ReadOptional(args, 4, "gamma", r.cols);
  const float eps = static_cast<float>(args.Num(5, "eps"));
  float* out = ReadOut<float>(args, 6, r.rows * r.cols);
  if (args.ok() && !(eps >= 0)) args.Fail("eps must be >= 0");
  if (!args.ok()) return info.Env().Undefined();
  const ElementwiseTable t = SelectElementwise();
  ParallelFor(r.rows, RowGrain(r.cols), [&](int64_t b, int64_t e) {
    t.rms_norm_rows(r.x + b * r.cols, e - b, r.cols, gamma, eps, out + b * r.cols);
  });
  return info.Env().Undefined();
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("unaryF32", Napi::Function::New(env, UnaryJs, "unaryF32"));
  exports.Set("binaryF32", Napi::Function::New(env, BinaryJs, "binaryF32"));
  exports.Set("reduceRowsF32", Napi::Function::New(env, ReduceJs, "reduceRowsF32"));
  exports.Set("argmaxRowsF32", Napi::Function::New(env, ArgmaxJs, "argmaxRowsF32"));
  exports.Set("softmaxRowsF32", Napi::Function::New(env, SoftmaxJs, "softmaxRowsF32"));
  exports.Set("layerNormRowsF32", Napi::Function::New(env, LayerNormJs, "layerNormRowsF32"));
  exports.Set("rmsNormRowsF32", Napi::Function::New(env, RmsNormJs, "rmsNormRowsF32"));
  exports.Set("layerNormQuantRowsF32", Napi::Function::New(env, LayerNormQuantJs, "layerNormQuantRowsF32"));
  exports.Set("addLayerNormRowsF32", Napi::Function::New(env, AddLayerNormJs, "addLayerNormRowsF32"));
}

}  // namespace
}  // namespace frugal

FRUGAL_MODULE(elementwise, frugal::Init)
