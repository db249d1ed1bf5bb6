#include "train/data_parallel.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace ufb::train {
double DataParallel::forward_backward(TrainableModel<float>& model, const TrainBatch& batch,
                                      const std::optional<CounterRandom>& dropout_random, float grad_scale) {
  const distributed::Shard shard = distributed::shard_of(static_cast<size_t>(batch.sequences),
                                                         communicator_.rank(), communicator_.size());
  const int64_t total_terms = loss_terms(batch);
  if (shard.begin == shard.end || total_terms == 0) return 0.0;
  const TrainBatch local = slice_sequences(batch, static_cast<int64_t>(shard.begin), static_cast<int64_t>(shard.end));
  const int64_t local_terms = loss_terms(local);
  if (local_terms == 0) return 0.0;
  const double weight = static_cast<double>(local_terms) / static_cast<double>(total_terms);
  return weight * model.forward_backward(local, dropout_random, grad_scale * static_cast<float>(weight));
}

double DataParallel::all_reduce(ParameterSet<float>& parameters, double local_loss) {
  if (communicator_.size() == 1) return local_loss;
  const auto start = std::chrono::steady_clock::now();
  std::vector<Parameter<float>*> pending;
  size_t pending_floats = 0;
  parameters.for_each([&](const io::ExpectedTensor&, Parameter<float>& parameter) {
    if (!parameter.trainable) return;
    if (parameter.grad.size() >= bucket_floats_) {  // large enough to travel alone, in place
      communicator_.allreduce_sum(parameter.grad);
      return;
    }
    if (pending_floats + parameter.grad.size() > bucket_floats_) {
      flush_bucket(pending);
      pending_floats = 0;
    }
    pending.push_back(&parameter);
    pending_floats += parameter.grad.size();
  });
  flush_bucket(pending);
  double loss = local_loss;
  communicator_.allreduce_sum(std::span<double>(&loss, 1));
  communication_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return loss;
}

void DataParallel::flush_bucket(std::vector<Parameter<float>*>& pending) {
  if (pending.empty()) return;
  bucket_.clear();
  for (const Parameter<float>* parameter : pending) {
    bucket_.insert(bucket_.end(), parameter->grad.begin(), parameter->grad.end());
  }
  communicator_.allreduce_sum(bucket_);
  auto from = bucket_.begin();
  for (Parameter<float>* parameter : pending) {
    std::copy_n(from, parameter->grad.size(), parameter->grad.begin());
    from += static_cast<std::ptrdiff_t>(parameter->grad.size());
  }
  pending.clear();
}

double DataParallel::take_communication_seconds() {
  return std::exchange(communication_seconds_, 0.0);
}

}  // namespace ufb::train
