// Taxonomy timings against the targets, each beside a floor measured in the same run:
//   building ImageNet-1k from data.noun   target < 300 ms   (floor: reading the file's bytes)
//   LCH of 32 classes                     target < 10 us    (floor: a plain pass over the rows)
//   loading ImageNet-1k's taxonomy.json   target < 20 ms    (floor: reading the file's bytes)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/taxonomy/class_list.h"
#include "core/taxonomy/taxonomy_json.h"
#include "core/taxonomy/wordnet_taxonomy.h"

using namespace taxoscope::core;
using Clock = std::chrono::steady_clock;

namespace {

template <typename F>
double median_ms(int runs, F&& f) {
    std::vector<double> times;
    for (int i = 0; i < runs; ++i) {
        const auto start = Clock::now();
        f();
        times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

double read_bytes_ms(const std::filesystem::path& path) {
    return median_ms(5, [&] {
        std::ifstream in(path, std::ios::binary);
        std::string text(std::filesystem::file_size(path), '\0');
        if (!in.read(text.data(), static_cast<std::streamsize>(text.size()))) {
            std::abort();
        }
    });
}

void report(const char* what, double value, const char* unit, double target, double floor) {
    std::printf("%-40s %9.3f %s   target %7.1f %s (%.2fx of target, %s)   floor %8.3f %s (%.1fx)\n",
                what, value, unit, target, unit, value / target,
                value < target ? "meets" : "MISSES", floor, unit, value / floor);
}

}  // namespace

int main() {
    const auto dir = wordnet_dir();
    if (!locate_wordnet(dir)) {
        std::printf("WordNet not found at %s: install wordnet-base\n", dir.string().c_str());
        return 1;
    }
    const auto list = builtin_class_list("imagenet1k");
    NullProgress progress;
    const CancelToken cancel;

    Result<Taxonomy> built = fail(ErrorCode::Runtime, "not run");
    const double build_ms =
        median_ms(7, [&] { built = build_wordnet_taxonomy(*list, dir, progress, cancel); });
    if (!built) {
        std::printf("build failed: %s\n", built.error().message.c_str());
        return 1;
    }
    const Taxonomy& t = *built;
    std::printf("ImageNet-1k taxonomy: %d nodes, %d classes (median of 7 runs where timed)\n",
                t.node_count(), t.class_count());
    report("build from data.noun", build_ms, "ms", 300.0, read_bytes_ms(dir / "data.noun"));

    // LCH over 32 random classes (fixed seed), many distinct sets so caches see realistic use.
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> pick(0, t.class_count() - 1);
    const int sets = 4096;
    std::vector<int> classes(static_cast<size_t>(sets) * 32);
    for (int& c : classes) {
        c = pick(rng);
    }
    const int rounds = 50;
    long checksum = 0;
    const double lch_ms = median_ms(5, [&] {
        for (int r = 0; r < rounds; ++r) {
            for (int s = 0; s < sets; ++s) {
                checksum += t.lch(&classes[static_cast<size_t>(s) * 32], 32);
            }
        }
    });
    const double lch_us = lch_ms * 1000.0 / (rounds * sets);
    // Floor: summing the first word of each of the 32 leaves' rows of classes_under, i.e. the
    // memory touches alone.
    const double touch_ms = median_ms(5, [&] {
        for (int r = 0; r < rounds; ++r) {
            for (size_t i = 0; i < classes.size(); ++i) {
                checksum +=
                    static_cast<long>(t.classes_under(t.class_leaf(classes[i])).words()[0] & 1u);
            }
        }
    });
    report("LCH of 32 classes", lch_us, "us", 10.0, touch_ms * 1000.0 / (rounds * sets));

    const auto json_path = std::filesystem::temp_directory_path() / "taxoscope_bench_taxonomy.json";
    if (!save_taxonomy_json(t, json_path)) {
        std::printf("cannot write %s\n", json_path.string().c_str());
        return 1;
    }
    Result<Taxonomy> loaded = fail(ErrorCode::Runtime, "not run");
    const double load_ms = median_ms(11, [&] { loaded = load_taxonomy_json(json_path); });
    if (!loaded || loaded->node_count() != t.node_count()) {
        std::printf("taxonomy.json did not load back\n");
        return 1;
    }
    std::printf("taxonomy.json: %.0f KiB\n",
                static_cast<double>(std::filesystem::file_size(json_path)) / 1024.0);
    report("load taxonomy.json", load_ms, "ms", 20.0, read_bytes_ms(json_path));
    std::filesystem::remove(json_path);
    std::printf("(checksum %ld)\n", checksum);
    return 0;
}
