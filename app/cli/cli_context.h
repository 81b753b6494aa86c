// What every subcommand gets: global options, the Ctrl-C cancel token, progress and error output.
#pragma once

#include <memory>
#include <string>

#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/progress.h"

namespace taxoscope::cli {

struct GlobalOptions {
    int threads = 0;  // 0 = all cores
    bool quiet = false;
};

class CliContext {
  public:
    CliContext(GlobalOptions options, core::CancelToken cancel)
        : options_(options), cancel_(std::move(cancel)) {}

    const GlobalOptions& options() const { return options_; }
    const core::CancelToken& cancel() const { return cancel_; }

    // A progress bar on stderr (silent with --quiet).
    std::unique_ptr<core::ProgressSink> make_progress() const;

    // Prints "taxoscope-cli: <error>" to stderr; returns the exit code for it.
    int report(const core::Error& error) const;

  private:
    GlobalOptions options_;
    core::CancelToken cancel_;
};

}  // namespace taxoscope::cli
