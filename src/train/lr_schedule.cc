#include "ufb/train/lr_schedule.h"

#include <algorithm>
#include <string>

#include "ufb/error.h"

namespace ufb::train {

double LrSchedule::at(double progress) const {
  progress = std::clamp(progress, 0.0, 1.0);
  if (warmup_fraction > 0.0 && progress < warmup_fraction) return peak * progress / warmup_fraction;
  if (kind == ScheduleKind::constant) return peak;
  if (warmup_fraction >= 1.0) return peak;
  return peak * (1.0 - progress) / (1.0 - warmup_fraction);
}

ScheduleKind parse_schedule_kind(std::string_view name) {
  if (name == "constant") return ScheduleKind::constant;
  if (name == "linear") return ScheduleKind::linear;
  throw Error("unknown learning-rate schedule '" + std::string(name) +
              "' (expected constant or linear)");
}

}  // namespace ufb::train
