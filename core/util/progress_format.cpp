#include "core/util/progress_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace taxoscope::core {

std::string format_duration(double seconds) {
    if (seconds < 0 || !std::isfinite(seconds)) {
        return "--:--";
    }
    const auto total = static_cast<long long>(std::llround(seconds));
    const long long h = total / 3600;
    const long long m = (total / 60) % 60;
    const long long s = total % 60;
    char buffer[32];
    if (h > 0) {
        std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", h, m, s);
    } else {
        std::snprintf(buffer, sizeof buffer, "%lld:%02lld", m, s);
    }
    return buffer;
}

namespace {

std::string format_rate(double rate) {
    // Byte counts reach hundreds of millions per second; keep the column short.
    const char* suffix = "";
    if (rate >= 1e9) {
        rate /= 1e9;
        suffix = "G";
    } else if (rate >= 1e6) {
        rate /= 1e6;
        suffix = "M";
    } else if (rate >= 1e4) {
        rate /= 1e3;
        suffix = "k";
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, rate >= 100 ? "%.0f%s" : "%.1f%s", rate, suffix);
    return buffer;
}

}  // namespace

std::string format_progress_line(const ProgressReport& report, int width) {
    std::string counts = std::to_string(report.done);
    if (report.total >= 0) {
        counts += "/" + std::to_string(report.total);
    }
    counts += " " + report.unit;

    std::string tail = "  " + counts;
    if (report.rate_per_s > 0) {
        tail += "  " + format_rate(report.rate_per_s) + " " + report.unit + "/s";
    }
    if (report.finished) {
        tail += "  done in " + format_duration(report.elapsed_s);
    } else if (report.total >= 0) {
        tail += "  ETA " + format_duration(report.eta_s);
    }

    std::string line = report.stage;
    if (report.total > 0) {
        const double fraction = std::clamp(report.fraction(), 0.0, 1.0);
        char percent[8];
        std::snprintf(percent, sizeof percent, "%3d%%", static_cast<int>(fraction * 100.0));
        const int room = width - static_cast<int>(line.size() + tail.size()) - 8;
        const int bar_width = std::clamp(room, 0, 30);
        if (bar_width >= 5) {
            const int filled = static_cast<int>(std::floor(fraction * bar_width));
            line += " [" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "]";
        }
        line += std::string(" ") + percent;
    }
    line += tail;
    if (static_cast<int>(line.size()) > width && width > 3) {
        line = line.substr(0, static_cast<size_t>(width - 3)) + "...";
    }
    return line;
}

}  // namespace taxoscope::core
