#include "core/util/log.h"

#include <iostream>
#include <mutex>

namespace taxoscope::core {
namespace {

void default_handler(LogLevel level, std::string_view message) {
    if (level == LogLevel::Warning) {
        std::cerr << "warning: " << message << '\n';
    } else if (level == LogLevel::Error) {
        std::cerr << "error: " << message << '\n';
    }
}

std::mutex& handler_mutex() {
    static std::mutex mutex;
    return mutex;
}

LogHandler& current_handler() {
    static LogHandler handler = default_handler;
    return handler;
}

}  // namespace

LogHandler set_log_handler(LogHandler handler) {
    std::lock_guard<std::mutex> lock(handler_mutex());
    LogHandler previous = current_handler();
    current_handler() = handler ? std::move(handler) : LogHandler(default_handler);
    return previous;
}

void log(LogLevel level, std::string_view message) {
    std::lock_guard<std::mutex> lock(handler_mutex());
    current_handler()(level, message);
}

}  // namespace taxoscope::core
