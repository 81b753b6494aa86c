#include "core/util/progress.h"

#include <utility>

namespace taxoscope::core {

ProgressSink::ProgressSink(std::chrono::milliseconds min_interval, ClockFn clock)
    : min_interval_(min_interval), clock_(std::move(clock)) {
    if (!clock_) {
        clock_ = [] { return Clock::now(); };
    }
}

void ProgressSink::begin(std::string stage, int64_t total, std::string unit) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stage_ = std::move(stage);
        unit_ = std::move(unit);
        total_ = total;
        stage_start_ = clock_();
        done_.store(0, std::memory_order_relaxed);
    }
    maybe_emit(true, false);
}

void ProgressSink::advance(int64_t n) {
    done_.fetch_add(n, std::memory_order_relaxed);
    maybe_emit(false, false);
}

void ProgressSink::set_done(int64_t done) {
    done_.store(done, std::memory_order_relaxed);
    maybe_emit(false, false);
}

void ProgressSink::finish() {
    maybe_emit(true, true);
}

void ProgressSink::note(const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    on_note(text);
}

void ProgressSink::maybe_emit(bool force, bool finished) {
    // Throttled updates from worker threads must never wait behind a slow renderer.
    std::unique_lock<std::mutex> lock(mutex_, std::defer_lock);
    if (force) {
        lock.lock();
    } else if (!lock.try_lock()) {
        return;
    }
    const auto now = clock_();
    if (!force && now - last_emit_ < min_interval_) {
        return;
    }
    last_emit_ = now;
    on_report(make_report(now, finished));
}

ProgressReport ProgressSink::make_report(Clock::time_point now, bool finished) const {
    ProgressReport report;
    report.stage = stage_;
    report.unit = unit_;
    report.total = total_;
    report.done = done_.load(std::memory_order_relaxed);
    report.finished = finished;
    report.elapsed_s = std::chrono::duration<double>(now - stage_start_).count();
    if (report.elapsed_s > 0.0 && report.done > 0) {
        report.rate_per_s = static_cast<double>(report.done) / report.elapsed_s;
        if (report.total >= report.done) {
            report.eta_s = static_cast<double>(report.total - report.done) / report.rate_per_s;
        }
    }
    return report;
}

}  // namespace taxoscope::core
