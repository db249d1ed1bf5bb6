#pragma once

// cramming's learning-rate schedules over a budget (steps or seconds), as a function of the
// fraction of the budget used.

#include <string_view>

namespace ufb::train {

enum class ScheduleKind {
  constant,  // peak throughout (after warm-up, if any)
  // Linear warm-up over warmup_fraction, then linear decay to 0 at the end; with
  // warmup_fraction 0.5 this is cramming's one-cycle "triangle".
  linear,
};

struct LrSchedule {
  ScheduleKind kind = ScheduleKind::linear;
  double peak = 1e-3;
  double warmup_fraction = 0.5;

  // The learning rate after `progress` ∈ [0, 1] of the budget (clamped).
  double at(double progress) const;
};

// "constant" | "linear"; throws ufb::Error listing them.
ScheduleKind parse_schedule_kind(std::string_view name);

}  // namespace ufb::train
