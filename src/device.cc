#include "ufb/device.h"

#include <charconv>

#include "ufb/error.h"

namespace ufb {

Device parse_device(std::string_view name) {
  if (name == "cpu") return {};
  if (name == "cuda") return {Device::Kind::cuda, 0};
  constexpr std::string_view kCudaPrefix = "cuda:";
  if (name.starts_with(kCudaPrefix)) {
    const std::string_view number = name.substr(kCudaPrefix.size());
    int index = -1;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), index);
    if (error == std::errc() && end == number.data() + number.size() && !number.empty() && index >= 0) {
      return {Device::Kind::cuda, index};
    }
  }
  throw Error("unknown device '" + std::string(name) + "' (expected cpu, cuda or cuda:N)");
}

std::string to_string(const Device& device) {
  return device.is_cuda() ? "cuda:" + std::to_string(device.index) : "cpu";
}

}  // namespace ufb
