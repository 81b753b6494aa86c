// Text renderings of progress, shared by the CLI's bar and log files.
#pragma once

#include <string>

#include "core/util/progress.h"

namespace taxoscope::core {

// "1:02:03", "4:05"; "--:--" for negative (unknown) durations.
std::string format_duration(double seconds);

// One line, at most `width` characters:
// "extracting [#########.........]  45%  450/1000 images  32.1 images/s  ETA 0:17"
// With an unknown total the bar and ETA are left out.
std::string format_progress_line(const ProgressReport& report, int width = 100);

}  // namespace taxoscope::core
