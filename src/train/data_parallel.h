#pragma once

// Data-parallel training over the ranks of a job: every rank holds the whole model and builds
// the whole global batch (token ids: cheap), runs forward and backward on its contiguous share
// of the sequences only, and the gradients are summed over the ranks. A rank's share of the loss
// is weighted by its part of the batch's loss terms (predicted tokens for masked LM, sequences
// for classification), so the sum is exactly the gradient of the global batch's mean loss: a run
// on N ranks follows the trajectory of one process, up to the order of floating-point sums.
// Dropout and masking are keyed by the global sample index, never by the rank.

#include <cstddef>
#include <optional>
#include <vector>

#include "ufb/distributed/communicator.h"
#include "train/counter_random.h"
#include "ufb/train/parameters.h"
#include "train/train_batch.h"
#include "train/trainable_model.h"

namespace ufb::train {

class DataParallel {
 public:
  static constexpr size_t kDefaultBucketFloats = size_t{4} << 20;  // 16 MiB

  explicit DataParallel(const distributed::Communicator& communicator,
                        size_t bucket_floats = kDefaultBucketFloats)
      : communicator_(communicator), bucket_floats_(bucket_floats) {}

  const distributed::Communicator& communicator() const { return communicator_; }

  // Adds grad_scale · d(mean loss of the global `batch`)/dθ restricted to this rank's sequences,
  // and returns this rank's part of that mean loss (the parts sum to it over the ranks).
  double forward_backward(TrainableModel<float>& model, const TrainBatch& batch,
                          const std::optional<CounterRandom>& dropout_random, float grad_scale = 1.0f);

  // Sums every trainable gradient, and `local_loss`, over the ranks; returns the summed loss.
  // Gradients travel in buckets of `bucket_floats`: one collective per LayerNorm vector would pay
  // the latency of each, one copy of the whole model would double its memory. A gradient larger
  // than a bucket travels alone, in place.
  double all_reduce(ParameterSet<float>& parameters, double local_loss);

  // Wall seconds spent in all_reduce (waiting for slower ranks included) since the last call.
  double take_communication_seconds();

 private:
  void flush_bucket(std::vector<Parameter<float>*>& pending);

  const distributed::Communicator& communicator_;
  size_t bucket_floats_;
  std::vector<float> bucket_;
  double communication_seconds_ = 0;
};

}  // namespace ufb::train
