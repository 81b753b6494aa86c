// Minimal logging for core: levels and one replaceable handler (the CLI prints, the GUI shows).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace taxoscope::core {

enum class LogLevel { Debug, Info, Warning, Error };

using LogHandler = std::function<void(LogLevel, std::string_view)>;

// Default handler writes warnings and errors to stderr; returns the previous handler.
LogHandler set_log_handler(LogHandler handler);
void log(LogLevel level, std::string_view message);

inline void log_warning(std::string_view message) {
    log(LogLevel::Warning, message);
}
inline void log_info(std::string_view message) {
    log(LogLevel::Info, message);
}

}  // namespace taxoscope::core
