#include "train/grad_check.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace ufb::testing {

std::vector<double> random_values(int64_t count, std::mt19937& rng, double scale) {
  std::normal_distribution<double> normal(0.0, scale);
  std::vector<double> values(count);
  for (double& value : values) value = normal(rng);
  return values;
}

double weighted_sum(std::span<const double> values, std::span<const double> weights) {
  EXPECT_EQ(values.size(), weights.size());
  double sum = 0.0;
  for (size_t i = 0; i < values.size(); ++i) sum += values[i] * weights[i];
  return sum;
}

std::vector<double> numeric_gradient(std::vector<double>& values,
                                     const std::function<double()>& loss, double step) {
  std::vector<double> gradient(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const double original = values[i];
    values[i] = original + step;
    const double above = loss();
    values[i] = original - step;
    const double below = loss();
    values[i] = original;
    gradient[i] = (above - below) / (2.0 * step);
  }
  return gradient;
}

void expect_gradient_close(const std::string& label, std::span<const double> analytic,
                           std::span<const double> numeric, double tolerance) {
  ASSERT_EQ(analytic.size(), numeric.size()) << label;
  double scale = 1.0;
  double error = 0.0;
  for (size_t i = 0; i < numeric.size(); ++i) {
    scale = std::max(scale, std::abs(numeric[i]));
    error = std::max(error, std::abs(analytic[i] - numeric[i]));
  }
  EXPECT_LE(error, tolerance * scale) << label << ": max error " << error << " at scale " << scale;
  std::cout << "[ gradient ] " << label << ": max error " << error << "\n";
}

}  // namespace ufb::testing
