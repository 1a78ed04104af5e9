// Argument checking for kernel entry points: every typed array is checked for its element type
// and for the element range a kernel will touch, so bad calls throw a JS Error naming the argument
// instead of reading or writing out of bounds.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

namespace frugal {

template <typename T>
struct ArrayArg {
  T* data = nullptr;
  int64_t length = 0;
};

template <typename T>
struct TypedArrayKind;
template <> struct TypedArrayKind<float> { static constexpr napi_typedarray_type kType = napi_float32_array; static constexpr const char* kName = "Float32Array"; };
template <> struct TypedArrayKind<int32_t> { static constexpr napi_typedarray_type kType = napi_int32_array; static constexpr const char* kName = "Int32Array"; };
template <> struct TypedArrayKind<int8_t> { static constexpr napi_typedarray_type kType = napi_int8_array; static constexpr const char* kName = "Int8Array"; };
template <> struct TypedArrayKind<uint16_t> { static constexpr napi_typedarray_type kType = napi_uint16_array; static constexpr const char* kName = "Uint16Array"; };
template <> struct TypedArrayKind<uint8_t> { static constexpr napi_typedarray_type kType = napi_uint8_array; static constexpr const char* kName = "Uint8Array"; };

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* op) : info_(info), op_(op) {}
  bool ok() const { return ok_; }
  Napi::Env env() const { return info_.Env(); }

  void Fail(const std::string& msg) {
    if (!ok_) return;
    ok_ = false;
    Napi::Error::New(info_.Env(), std::string(op_) + ": " + msg).ThrowAsJavaScriptException();
  }

  // A non-negative integer-valued number below 2^53 (or >= min when min is negative).
  int64_t Int(size_t i, const char* name, int64_t min = 0) {
    if (!ok_) return 0;
    if (i >= info_.Length() || !info_[i].IsNumber()) {
      Fail(std::string("argument '") + name + "' must be a number");
      return 0;
    }
    const double v = info_[i].As<Napi::Number>().DoubleValue();
    if (!(v == static_cast<double>(static_cast<int64_t>(v))) || v < static_cast<double>(min) || v > 9007199254740991.0) {
      Fail(std::string("argument '") + name + "' must be an integer >= " + std::to_string(min) + ", got " + std::to_string(v));
      return 0;
    }
    return static_cast<int64_t>(v);
  }

  double Num(size_t i, const char* name) {
    if (!ok_) return 0;
    if (i >= info_.Length() || !info_[i].IsNumber()) {
      Fail(std::string("argument '") + name + "' must be a number");
      return 0;
    }
    return info_[i].As<Napi::Number>().DoubleValue();
  }

  bool Bool(size_t i, const char* name) {
    if (!ok_) return false;
    if (i >= info_.Length() || !info_[i].IsBoolean()) {
      Fail(std::string("argument '") + name + "' must be a boolean");
      return false;
    }
    return info_[i].As<Napi::Boolean>().Value();
  }

  bool IsNullish(size_t i) const { return i >= info_.Length() || info_[i].IsNull() || info_[i].IsUndefined(); }

  template <typename T>
  ArrayArg<T> Array(size_t i, const char* name) {
    ArrayArg<T> out;
    if (!ok_) return out;
    if (i >= info_.Length() || !info_[i].IsTypedArray() ||
        info_[i].As<Napi::TypedArray>().TypedArrayType() != TypedArrayKind<T>::kType) {
      Fail(std::string("argument '") + name + "' must be a " + TypedArrayKind<T>::kName);
      return out;
    }
    Napi::TypedArrayOf<T> arr = info_[i].As<Napi::TypedArrayOf<T>>();
    out.data = arr.Data();
    out.length = static_cast<int64_t>(arr.ElementLength());
    return out;
  }

  // Checks that elements [first, first + count) lie inside the array (count 0 always fits).
  template <typename T>
  void Need(const ArrayArg<T>& a, const char* name, int64_t first, int64_t count) {
    if (!ok_ || count == 0) return;
    if (first < 0 || count < 0 || first + count > a.length) {
      Fail(std::string("argument '") + name + "' needs elements [" + std::to_string(first) + ", " +
           std::to_string(first + count) + ") but has length " + std::to_string(a.length) +
           "; check the offset, leading dimension, batch stride and shape");
    }
  }

 private:
  const Napi::CallbackInfo& info_;
  const char* op_;
  bool ok_ = true;
};

}  // namespace frugal
