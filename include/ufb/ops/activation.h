#pragma once

// The nonlinearities of the feedforward layers a model may ask for (transformers' hidden_act).

#include <cmath>

#include "ufb/ops/gelu.h"

namespace ufb::ops {

enum class Activation {
  gelu_erf,   // 0.5·x·(1 + erf(x/√2)): BERT's "gelu" and every FFF neuron
  gelu_tanh,  // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): "gelu_new", "gelu_pytorch_tanh"
  relu,
};

template <class T>
T activate(Activation activation, T x) {
  switch (activation) {
    case Activation::gelu_erf: return gelu(x);
    case Activation::gelu_tanh: {
      const T inner = T{0.7978845608028654} * (x + T{0.044715} * x * x * x);
      return T{0.5} * x * (T{1} + std::tanh(inner));
    }
    case Activation::relu: return x > T{0} ? x : T{0};
  }
  return x;
}

// d activate(activation, x) / dx, for training's backward pass (relu: 0 at 0, as PyTorch's).
template <class T>
T activation_derivative(Activation activation, T x) {
  switch (activation) {
    case Activation::gelu_erf: return gelu_derivative(x);
    case Activation::gelu_tanh: {
      const T inner = T{0.7978845608028654} * (x + T{0.044715} * x * x * x);
      const T tanh_inner = std::tanh(inner);
      const T dinner = T{0.7978845608028654} * (T{1} + T{3} * T{0.044715} * x * x);
      return T{0.5} * (T{1} + tanh_inner) + T{0.5} * x * (T{1} - tanh_inner * tanh_inner) * dinner;
    }
    case Activation::relu: return x > T{0} ? T{1} : T{0};
  }
  return T{1};
}

}  // namespace ufb::ops
