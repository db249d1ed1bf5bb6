#include "ufb/model/weights.h"

namespace ufb::model {

WeightViews view_weights(const io::Checkpoint& checkpoint) {
  WeightViews weights(checkpoint.config(), checkpoint.head(), checkpoint.num_labels(),
                      checkpoint.has_pooler());
  weights.for_each_tensor([&](const io::ExpectedTensor& tensor, std::span<const float>& view) {
    view = checkpoint.tensor(tensor.name).values;
  });
  return weights;
}

}  // namespace ufb::model
