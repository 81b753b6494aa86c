#include "app/cli/command.h"

#include <algorithm>

namespace taxoscope::cli {
namespace {

std::vector<CommandFactory>& factories() {
    static std::vector<CommandFactory> all;
    return all;
}

}  // namespace

bool register_command(CommandFactory factory) {
    factories().push_back(std::move(factory));
    return true;
}

std::vector<std::unique_ptr<Command>> make_registered_commands() {
    std::vector<std::unique_ptr<Command>> commands;
    for (const auto& factory : factories()) {
        commands.push_back(factory());
    }
    // Static initialisation order is unspecified; help output should not be.
    std::sort(commands.begin(), commands.end(),
              [](const auto& a, const auto& b) { return a->name() < b->name(); });
    return commands;
}

}  // namespace taxoscope::cli
