// Progress reporting for long, synchronous core operations.
//
// Core code calls begin()/advance()/finish() as often as it likes (from any thread); the sink
// throttles what reaches on_report() so a hot loop never pays for terminal or GUI updates.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace taxoscope::core {

struct ProgressReport {
    std::string stage;  // "extracting activations", "training SAE block3", ...
    std::string unit;   // "images", "steps", ...
    int64_t done = 0;
    int64_t total = -1;       // -1 when unknown
    double elapsed_s = 0.0;   // since begin() of this stage
    double rate_per_s = 0.0;  // done / elapsed, 0 before anything happened
    double eta_s = -1.0;      // -1 when unknown
    bool finished = false;    // true for the last report of a stage

    double fraction() const {
        return total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
    }
};

class ProgressSink {
  public:
    using Clock = std::chrono::steady_clock;
    using ClockFn = std::function<Clock::time_point()>;

    explicit ProgressSink(std::chrono::milliseconds min_interval = std::chrono::milliseconds(100),
                          ClockFn clock = {});
    virtual ~ProgressSink() = default;
    ProgressSink(const ProgressSink&) = delete;
    ProgressSink& operator=(const ProgressSink&) = delete;

    // Starts a stage; always reported.
    void begin(std::string stage, int64_t total = -1, std::string unit = "items");
    // Thread-safe; reported at most once per min_interval.
    void advance(int64_t n = 1);
    void set_done(int64_t done);
    // Ends the stage; always reported with finished = true.
    void finish();
    // A note for the user (a skipped file, a fallback taken); never throttled.
    void note(const std::string& text);

    int64_t done() const { return done_.load(std::memory_order_relaxed); }

  protected:
    virtual void on_report(const ProgressReport& report) = 0;
    virtual void on_note(const std::string& /*text*/) {}

  private:
    void maybe_emit(bool force, bool finished);
    ProgressReport make_report(Clock::time_point now, bool finished) const;

    std::chrono::milliseconds min_interval_;
    ClockFn clock_;
    std::mutex mutex_;  // guards everything below except done_, and serialises on_report
    std::string stage_;
    std::string unit_;
    int64_t total_ = -1;
    Clock::time_point stage_start_{};
    Clock::time_point last_emit_{};
    std::atomic<int64_t> done_{0};
};

// For callers that do not care.
class NullProgress final : public ProgressSink {
  public:
    NullProgress() : ProgressSink(std::chrono::hours(1)) {}

  protected:
    void on_report(const ProgressReport&) override {}
};

// Adapts a callable; handy in tests and small tools.
class CallbackProgress final : public ProgressSink {
  public:
    using Callback = std::function<void(const ProgressReport&)>;
    explicit CallbackProgress(
        Callback callback, std::chrono::milliseconds min_interval = std::chrono::milliseconds(100),
        ClockFn clock = {})
        : ProgressSink(min_interval, std::move(clock)), callback_(std::move(callback)) {}

  protected:
    void on_report(const ProgressReport& report) override { callback_(report); }

  private:
    Callback callback_;
};

}  // namespace taxoscope::core
