// The linear probe's objective (docs/analysis.md, "Layer profile"), with its gradient written out
// instead of taken by autograd, so that both large products can run on oneDNN. Include from .cpp
// files only: it pulls in ATen.
//
//   loss   = mean_i CE(x_i·W + b, y_i) + (λ/2)·‖W‖²
//   ∂L/∂W  = Xᵀ·G + λ·W,  ∂L/∂b = Σ_i G_i,  G = (softmax(X·W + b) − onehot(y)) / n
#pragma once

#include <ATen/core/Tensor.h>

namespace taxoscope::core {

// x·w + b for rows x [n, d] (plain float tensor); on oneDNN where LibTorch has it.
at::Tensor probe_logits(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b);

class ProbeObjective {
  public:
    // x: the standardised train rows [n, d] (float); y: their classes [n] (long, each below the
    // number of columns of the weights passed to evaluate()).
    ProbeObjective(const at::Tensor& x, const at::Tensor& y, double weight_decay);

    // The loss at (w [d, classes], b [classes]); w.grad() and b.grad() are set to the gradient.
    at::Tensor evaluate(at::Tensor& w, at::Tensor& b) const;

  private:
    at::Tensor x_;             // [n, d]; oneDNN layout when onednn_
    at::Tensor x_t_;           // [d, n]: the source of Xᵀ·G; oneDNN layout when onednn_
    at::Tensor label_column_;  // [n, 1] long
    at::Tensor minus_ones_;    // [n, 1] float
    double weight_decay_;
    bool onednn_;
};

}  // namespace taxoscope::core
