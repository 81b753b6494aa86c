// A taxoscope-cli subcommand. Each lives in its own cmd_<name>.cpp and registers itself with
// TAXOSCOPE_REGISTER_COMMAND(Type) inside namespace taxoscope::cli.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/cli/cli_context.h"

namespace taxoscope::cli {

class Command {
  public:
    virtual ~Command() = default;
    virtual std::string name() const = 0;
    virtual std::string summary() const = 0;
    // Declares the subcommand's options on `sub`, binding them to members.
    virtual void add_options(CLI::App& sub) = 0;
    // Runs after parsing; returns the process exit code.
    virtual int run(CliContext& context) = 0;
};

using CommandFactory = std::function<std::unique_ptr<Command>()>;

// Called from static initialisers; returns true so the result can initialise a constant.
bool register_command(CommandFactory factory);
std::vector<std::unique_ptr<Command>> make_registered_commands();

}  // namespace taxoscope::cli

#define TAXOSCOPE_REGISTER_COMMAND(Type)                                             \
    namespace {                                                                      \
    [[maybe_unused]] const bool registered_##Type =                                  \
        ::taxoscope::cli::register_command([] { return std::make_unique<Type>(); }); \
    }
