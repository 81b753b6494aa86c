#include "app/cli/cli_context.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "core/util/progress_format.h"

namespace taxoscope::cli {
namespace {

// On a terminal: one line redrawn in place. Elsewhere (CI logs, pipes): a line every few
// seconds, and nothing at all for stages that end within a few seconds, so logs stay readable.
class TerminalProgress final : public core::ProgressSink {
  public:
    static constexpr double kQuietStageSeconds = 3.0;

    explicit TerminalProgress(bool interactive)
        : core::ProgressSink(interactive ? std::chrono::milliseconds(100)
                                         : std::chrono::milliseconds(5000)),
          interactive_(interactive) {}

    ~TerminalProgress() override {
        if (interactive_ && line_open_) {
            std::fputc('\n', stderr);
        }
    }

  protected:
    void on_report(const core::ProgressReport& report) override {
        const std::string line = core::format_progress_line(report, 100);
        if (interactive_) {
            std::fprintf(stderr, "\r\033[2K%s", line.c_str());
            line_open_ = !report.finished;
            if (report.finished) {
                std::fputc('\n', stderr);
            }
        } else {
            const bool quick_stage = report.elapsed_s < kQuietStageSeconds;
            if (quick_stage) {
                return;
            }
            std::fprintf(stderr, "%s\n", line.c_str());
        }
        std::fflush(stderr);
    }

    void on_note(const std::string& text) override {
        if (interactive_ && line_open_) {
            std::fputc('\n', stderr);
            line_open_ = false;
        }
        std::fprintf(stderr, "note: %s\n", text.c_str());
    }

  private:
    bool interactive_;
    bool line_open_ = false;
};

}  // namespace

std::unique_ptr<core::ProgressSink> CliContext::make_progress() const {
    if (options_.quiet) {
        return std::make_unique<core::NullProgress>();
    }
    return std::make_unique<TerminalProgress>(isatty(STDERR_FILENO) != 0);
}

int CliContext::report(const core::Error& error) const {
    std::cerr << "taxoscope-cli: " << error.describe() << '\n';
    return error.code == core::ErrorCode::Cancelled ? 130 : 1;
}

}  // namespace taxoscope::cli
