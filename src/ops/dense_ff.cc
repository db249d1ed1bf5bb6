// The dense feedforward interface: argument checks shared by all variants, names, the factory.
#include "ufb/ops/dense_ff.h"

#include <array>
#include <string>

#include "dense_ff_variants.h"
#include "ufb/error.h"

namespace ufb::ops {
namespace {

constexpr std::array kDenseFfImpls = {DenseFfImpl::reference, DenseFfImpl::onednn};

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
  }
  return "?";
}

DenseFfImpl parse_dense_ff_impl(std::string_view name) {
  for (DenseFfImpl impl : kDenseFfImpls) {
    if (to_string(impl) == name) return impl;
  }
  throw Error("unknown dense FF implementation '" + std::string(name) +
              "' (expected reference or onednn)");
}

std::span<const DenseFfImpl> all_dense_ff_impls() { return kDenseFfImpls; }

DenseFfKernel::DenseFfKernel(const DenseFfWeights& weights) : weights_(weights) {
  validate(weights_);
}

void DenseFfKernel::forward(std::span<const float> x, int64_t batch, std::span<float> y) const {
  if (batch < 0) throw Error("dense FF batch must be >= 0, got " + std::to_string(batch));
  check_span("input", x.size(), batch * shape().hidden);
  check_span("output", y.size(), batch * shape().hidden);
  if (batch == 0) return;
  run(x.data(), batch, y.data());
}

std::unique_ptr<DenseFfKernel> make_dense_ff_kernel(DenseFfImpl impl, const DenseFfWeights& weights,
                                                    WeightType precision) {
  validate(weights);
  if (precision != WeightType::f32 && impl != DenseFfImpl::onednn) {
    throw Error("dense FF implementation " + std::string(to_string(impl)) + " computes in f32 only");
  }
  switch (impl) {
    case DenseFfImpl::reference: return make_reference_dense_ff(weights);
    case DenseFfImpl::onednn: return make_onednn_dense_ff(weights, precision);
  }
  throw Error("unhandled dense FF implementation");
}

}  // namespace ufb::ops
