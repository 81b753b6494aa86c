// A permutation that depends on the seed only (std::shuffle's is up to the standard library):
// Fisher-Yates driven by std::mt19937_64, whose output sequence the standard fixes.
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace taxoscope::core {

template <typename T>
void seeded_shuffle(std::vector<T>& items, uint64_t seed) {
    std::mt19937_64 generator(seed);
    for (size_t i = items.size(); i > 1; --i) {
        const size_t j = static_cast<size_t>(generator() % i);
        std::swap(items[i - 1], items[j]);
    }
}

}  // namespace taxoscope::core
