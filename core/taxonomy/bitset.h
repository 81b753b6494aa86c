// A fixed-size set of small integers (class or node indices) packed in 64-bit words.
//
// Sets over classes are how the taxonomy avoids double counting under multiple inheritance: a
// node's classes are the union of its children's, whichever path each class arrived by.
#pragma once

#include <cassert>
#include <cstdint>
#include <vector>

namespace taxoscope::core {

class Bitset {
  public:
    Bitset() = default;
    explicit Bitset(int size) : size_(size), words_(word_count(size), 0) {}

    static int word_count(int size) { return (size + 63) / 64; }

    int size() const { return size_; }
    const std::vector<uint64_t>& words() const { return words_; }

    bool test(int i) const {
        assert(i >= 0 && i < size_);
        return (words_[static_cast<size_t>(i) >> 6] >> (i & 63)) & 1u;
    }
    void set(int i) {
        assert(i >= 0 && i < size_);
        words_[static_cast<size_t>(i) >> 6] |= uint64_t{1} << (i & 63);
    }

    int count() const {
        int n = 0;
        for (uint64_t w : words_) {
            n += __builtin_popcountll(w);
        }
        return n;
    }
    bool none() const {
        for (uint64_t w : words_) {
            if (w != 0) {
                return false;
            }
        }
        return true;
    }

    Bitset& operator|=(const Bitset& other) {
        assert(size_ == other.size_);
        for (size_t w = 0; w < words_.size(); ++w) {
            words_[w] |= other.words_[w];
        }
        return *this;
    }
    Bitset& operator&=(const Bitset& other) {
        assert(size_ == other.size_);
        for (size_t w = 0; w < words_.size(); ++w) {
            words_[w] &= other.words_[w];
        }
        return *this;
    }
    bool operator==(const Bitset& other) const {
        return size_ == other.size_ && words_ == other.words_;
    }
    bool operator!=(const Bitset& other) const { return !(*this == other); }

    // Every member of *this is in `other`.
    bool is_subset_of(const Bitset& other) const {
        assert(size_ == other.size_);
        for (size_t w = 0; w < words_.size(); ++w) {
            if ((words_[w] & ~other.words_[w]) != 0) {
                return false;
            }
        }
        return true;
    }

    // Members in increasing order.
    std::vector<int> to_list() const {
        std::vector<int> out;
        for_each([&](int i) { out.push_back(i); });
        return out;
    }

    template <typename F>
    void for_each(F&& f) const {
        for (size_t w = 0; w < words_.size(); ++w) {
            uint64_t bits = words_[w];
            while (bits != 0) {
                f(static_cast<int>(w * 64 + static_cast<size_t>(__builtin_ctzll(bits))));
                bits &= bits - 1;
            }
        }
    }

  private:
    int size_ = 0;
    std::vector<uint64_t> words_;
};

}  // namespace taxoscope::core
