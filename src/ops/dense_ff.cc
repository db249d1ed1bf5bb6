// The dense feedforward interface: argument checks shared by all variants, names, the factory.
#include "ufb/ops/dense_ff.h"

#include <array>
#include <cstdint>
#include <string>

#include "dense_ff_variants.h"
#include "ops/cuda_backend.h"
#include "ufb/error.h"

namespace ufb::ops {
namespace {

constexpr std::array kCpuDenseFfImpls = {DenseFfImpl::reference, DenseFfImpl::onednn};
constexpr std::array kCudaDenseFfImpls = {DenseFfImpl::cublas};

void check_span(std::string_view what, size_t actual, int64_t expected) {
  if (static_cast<int64_t>(actual) != expected) {
    throw Error("dense FF " + std::string(what) + " has " + std::to_string(actual) +
                " values, the shape implies " + std::to_string(expected));
  }
}

void check_optional_span(std::string_view what, size_t actual, int64_t expected) {
  if (actual != 0) check_span(what, actual, expected);
}

}  // namespace

void validate(const DenseFfWeights& weights) {
  const DenseFfShape& shape = weights.shape;
  if (shape.hidden < 1) throw Error("dense FF hidden size must be >= 1, got " + std::to_string(shape.hidden));
  if (shape.width < 1) throw Error("dense FF width must be >= 1, got " + std::to_string(shape.width));
  check_span("w_in", weights.w_in.size(), shape.width * shape.hidden);
  check_optional_span("b_in", weights.b_in.size(), shape.width);
  check_span("w_out", weights.w_out.size(), shape.hidden * shape.width);
  check_optional_span("b_out", weights.b_out.size(), shape.hidden);
}

std::string_view to_string(DenseFfImpl impl) {
  switch (impl) {
    case DenseFfImpl::reference: return "reference";
    case DenseFfImpl::onednn: return "onednn";
    case DenseFfImpl::cublas: return "cublas";
  }
  return "?";
}

DenseFfImpl parse_dense_ff_impl(std::string_view name) {
  for (const auto& impls : {std::span<const DenseFfImpl>(kCpuDenseFfImpls), std::span<const DenseFfImpl>(kCudaDenseFfImpls)}) {
    for (DenseFfImpl impl : impls) {
      if (to_string(impl) == name) return impl;
    }
  }
  throw Error("unknown dense FF implementation '" + std::string(name) +
              "' (expected reference, onednn or cublas)");
}

std::span<const DenseFfImpl> all_dense_ff_impls(const Device& device) {
  if (device.is_cuda()) return kCudaDenseFfImpls;
  return kCpuDenseFfImpls;
}

DenseFfKernel::DenseFfKernel(const DenseFfWeights& weights) : weights_(weights) {
  validate(weights_);
}

DenseFfKernel::DenseFfKernel(const DenseFfShape& shape, const Device& device) : device_(device) {
  weights_.shape = shape;
}

void DenseFfKernel::forward(std::span<const float> x, int64_t batch, std::span<float> y) const {
  if (batch < 0) throw Error("dense FF batch must be >= 0, got " + std::to_string(batch));
  check_span("input", x.size(), batch * shape().hidden);
  check_span("output", y.size(), batch * shape().hidden);
  if (batch == 0) return;
  // A GPU kernel's grid counts tokens in its x dimension.
  if (device_.is_cuda() && batch > INT32_MAX) {
    throw Error("dense FF batch on a GPU must be at most 2147483647, got " + std::to_string(batch));
  }
  run(x.data(), batch, y.data());
}

std::unique_ptr<DenseFfKernel> make_dense_ff_kernel(DenseFfImpl impl, const DenseFfWeights& weights,
                                                    WeightType precision, const Device& device) {
  validate(weights);
  const bool cuda_impl = impl == DenseFfImpl::cublas;
  if (cuda_impl != device.is_cuda()) {
    throw Error("dense FF implementation " + std::string(to_string(impl)) + " does not run on " + to_string(device) +
                (device.is_cuda() ? " (cublas does)" : " (reference and onednn do)"));
  }
  if (precision != WeightType::f32 && impl == DenseFfImpl::reference) {
    throw Error("dense FF implementation reference computes in f32 only");
  }
  switch (impl) {
    case DenseFfImpl::reference: return make_reference_dense_ff(weights);
    case DenseFfImpl::onednn: return make_onednn_dense_ff(weights, precision);
    case DenseFfImpl::cublas: return make_cuda_dense_ff(weights, precision, device);
  }
  throw Error("unhandled dense FF implementation");
}

}  // namespace ufb::ops
