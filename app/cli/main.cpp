// taxoscope-cli: the headless front end over taxoscope_core (batch work on GPU nodes, scripts).
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/cli/command.h"
#include "core/util/memory_reuse.h"
#include "core/util/thread_waits.h"
#include "core/util/threads.h"
#include "core/util/version.h"

namespace {

taxoscope::core::CancelToken& interrupt_token() {
    static taxoscope::core::CancelToken token;
    return token;
}

extern "C" void on_interrupt(int /*signal*/) {
    // First Ctrl-C asks the running stage to stop cleanly (files stay consistent);
    // a second one kills the process the usual way.
    interrupt_token().cancel();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace taxoscope;
    core::restart_with_short_thread_waits(argv);
    core::keep_freed_memory_for_reuse();
    (void)interrupt_token();  // create before any signal can arrive

    CLI::App app{
        "taxoscope-cli: extract activations, train and import sparse autoencoders, and align their "
        "features with the WordNet taxonomy, without a display.",
        "taxoscope-cli"};
    app.set_version_flag("--version", std::string("taxoscope-cli ") + core::kTaxoscopeVersion);
    app.require_subcommand(0, 1);
    app.fallthrough();
    // Unknown words are collected instead of rejected, so the error below can name them.
    app.allow_extras();

    cli::GlobalOptions globals;
    app.add_option("--threads", globals.threads,
                   "CPU threads for LibTorch, OpenMP and decoding (default: all cores)")
        ->check(CLI::NonNegativeNumber);
    app.add_flag("-q,--quiet", globals.quiet, "no progress bars");

    auto commands = cli::make_registered_commands();
    cli::Command* selected = nullptr;
    for (auto& command : commands) {
        CLI::App* sub = app.add_subcommand(command->name(), command->summary());
        sub->allow_extras(false);
        command->add_options(*sub);
        sub->callback([&selected, raw = command.get()] { selected = raw; });
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (selected == nullptr) {
        const auto extras = app.remaining();
        if (!extras.empty()) {
            std::cerr << "taxoscope-cli: unknown command '" << extras.front() << "'\n\n";
        } else {
            std::cerr << "taxoscope-cli: a command is required\n\n";
        }
        std::cerr << app.help();
        return 2;
    }

    if (const auto extras = app.remaining(); !extras.empty()) {
        std::cerr << "taxoscope-cli " << selected->name() << ": unexpected argument '"
                  << extras.front() << "' (see taxoscope-cli " << selected->name() << " --help)\n";
        return 2;
    }

    core::apply_thread_count(globals.threads);
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);

    cli::CliContext context(globals, interrupt_token());
    try {
        return selected->run(context);
    } catch (const std::exception& e) {
        // Core reports failures as typed errors; reaching this is a bug, but still say what broke.
        std::cerr << "taxoscope-cli: internal error: " << e.what() << '\n';
        return 70;
    }
}
