// Result/Error, ProgressSink throttling, CancelToken, and the progress line.
#include <QtTest>

#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/huge_pages.h"
#include "core/util/memory_reuse.h"
#include "core/util/progress.h"
#include "core/util/progress_format.h"
#include "core/util/threads.h"

using namespace taxoscope::core;

namespace {

Result<int> parse_positive(int value) {
    if (value <= 0) {
        return fail(ErrorCode::InvalidArgument, "value " + std::to_string(value) + " is not > 0");
    }
    return value;
}

// The VmFlags of the mapping that holds `address`, from /proc/self/smaps ("" if not found).
std::string mapping_flags(const void* address) {
    const auto at = reinterpret_cast<std::uintptr_t>(address);
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        std::uintptr_t begin = 0;
        std::uintptr_t end = 0;
        char dash = 0;
        std::istringstream range(line);
        if (range >> std::hex >> begin >> dash >> end && dash == '-') {
            inside = begin <= at && at < end;
        } else if (inside && line.rfind("VmFlags:", 0) == 0) {
            return line;
        }
    }
    return {};
}

// A clock the test moves by hand, so throttling is checked without sleeping.
struct ManualClock {
    ProgressSink::Clock::time_point now{};
    void advance(std::chrono::milliseconds ms) { now += ms; }
};

}  // namespace

class TestUtil : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void freed_tensor_sized_blocks_stay_in_the_process() {
        // A user's own malloc tunables win: nothing is changed.
        qputenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1000000");
        QVERIFY(!taxoscope::core::keep_freed_memory_for_reuse());
        qunsetenv("GLIBC_TUNABLES");
        QVERIFY(taxoscope::core::keep_freed_memory_for_reuse());
        // A 48 MiB block (a batch's activations) now comes from the heap, not its own mapping,
        // and after free the heap keeps it.
        const int mapped_before = mallinfo2().hblks;
        const size_t bytes = size_t{48} << 20;
        void* block = std::malloc(bytes);
        QVERIFY(block != nullptr);
        static_cast<volatile char*>(block)[bytes - 1] = 1;
        QCOMPARE(static_cast<int>(mallinfo2().hblks), mapped_before);
        std::free(block);
        QVERIFY(mallinfo2().fordblks >= bytes);
    }

    void faulting_in_zeroes_exactly_the_range() {
        // An unaligned range over several 2 MiB pieces, inside a buffer whose bytes around it
        // must stay as they were: the pieces' edges are where an off-by-one would show.
        const size_t bytes = (size_t{9} << 20) + 12345;
        const size_t margin = 3 * 4096 + 77;
        std::vector<unsigned char> buffer(bytes + 2 * margin, 0xA5);
        fault_in_parallel(buffer.data() + margin, bytes);
        const auto begin = buffer.begin() + static_cast<std::ptrdiff_t>(margin);
        const auto end = begin + static_cast<std::ptrdiff_t>(bytes);
        QVERIFY(std::all_of(buffer.begin(), begin, [](unsigned char b) { return b == 0xA5; }));
        QVERIFY(std::all_of(begin, end, [](unsigned char b) { return b == 0; }));
        QVERIFY(std::all_of(end, buffer.end(), [](unsigned char b) { return b == 0xA5; }));
        // Too small to be worth the threads: left alone.
        std::vector<unsigned char> small(4096, 0xA5);
        fault_in_parallel(small.data(), small.size());
        QCOMPARE(small.front(), static_cast<unsigned char>(0xA5));
    }

    void big_random_access_tables_ask_for_huge_pages() {
        std::vector<int64_t> table;
        const size_t n = size_t{3} << 20;  // 24 MiB: at least ten whole 2 MiB pages inside
        assign_on_huge_pages(table, n, int64_t{7});
        QCOMPARE(table.size(), n);
        QVERIFY(std::all_of(table.begin(), table.end(), [](int64_t v) { return v == 7; }));
        if (!std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled")) {
            QSKIP("this kernel has no transparent huge pages");
        }
        // The advice landed on the table's own mapping ("hg" in its VmFlags).
        const std::string flags = mapping_flags(table.data() + n / 2);
        QVERIFY2(flags.find(" hg") != std::string::npos, flags.c_str());
        // Ranges without a whole aligned huge page are left alone.
        std::vector<char> small(4096);
        QVERIFY(!advise_huge_pages(small.data(), small.size()));
        QVERIFY(!advise_huge_pages(nullptr, size_t{8} << 20));
    }

    void parallel_loops_in_core_use_every_thread() {
        // Core's own at::parallel_for loops (statistics, top-k, decode, epilogue) split only
        // when core is compiled with OpenMP; otherwise they run on one thread, silently.
        if (available_cores() < 2) {
            QSKIP("one core: nothing to split over");
        }
        const int before = current_thread_count();
        QCOMPARE(apply_thread_count(2), 2);
        QCOMPARE(parallel_loop_width(), 2);
        apply_thread_count(1);
        QCOMPARE(parallel_loop_width(), 1);
        apply_thread_count(before);
    }

    void result_carries_value_or_typed_error() {
        const auto good = parse_positive(3);
        QVERIFY(good.has_value());
        QCOMPARE(*good, 3);
        const auto bad = parse_positive(-2);
        QVERIFY(!bad.has_value());
        QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);
        QCOMPARE(QString::fromStdString(bad.error().message), QString("value -2 is not > 0"));
        QCOMPARE(QString::fromStdString(bad.error().describe()),
                 QString("invalid argument: value -2 is not > 0"));
    }

    void error_context_is_prefixed() {
        const Error inner{ErrorCode::Parse, "line 7: expected 4 fields"};
        const Error outer = inner.with_context("data.noun");
        QCOMPARE(outer.code, ErrorCode::Parse);
        QCOMPARE(QString::fromStdString(outer.message),
                 QString("data.noun: line 7: expected 4 fields"));
    }

    void every_error_code_has_a_name() {
        for (auto code : {ErrorCode::InvalidArgument, ErrorCode::NotFound, ErrorCode::Io,
                          ErrorCode::Parse, ErrorCode::ShapeMismatch, ErrorCode::Unsupported,
                          ErrorCode::Cancelled, ErrorCode::Runtime}) {
            QVERIFY(!to_string(code).empty());
            QVERIFY(to_string(code) != "error");
        }
    }

    void cancel_token_copies_share_state() {
        CancelToken token;
        const CancelToken copy = token;
        QVERIFY(!copy.is_cancelled());
        token.cancel();
        QVERIFY(copy.is_cancelled());
        QCOMPARE(copy.cancelled_error("extracting").code, ErrorCode::Cancelled);
        CancelToken independent;
        QVERIFY(!independent.is_cancelled());
    }

    void progress_is_throttled_but_begin_and_finish_always_report() {
        ManualClock clock;
        std::vector<ProgressReport> reports;
        CallbackProgress sink([&](const ProgressReport& r) { reports.push_back(r); },
                              std::chrono::milliseconds(100), [&] { return clock.now; });
        sink.begin("extracting", 1000, "images");
        QCOMPARE(reports.size(), size_t(1));
        QCOMPARE(reports.back().done, int64_t(0));

        for (int i = 0; i < 500; ++i) {
            sink.advance();
        }
        QCOMPARE(reports.size(), size_t(1));  // no time passed: nothing more reported

        clock.advance(std::chrono::milliseconds(150));
        sink.advance();
        QCOMPARE(reports.size(), size_t(2));
        QCOMPARE(reports.back().done, int64_t(501));
        QVERIFY(qFuzzyCompare(reports.back().rate_per_s, 501 / 0.15));
        QVERIFY(qFuzzyCompare(reports.back().eta_s, 499 / (501 / 0.15)));

        clock.advance(std::chrono::milliseconds(50));
        sink.advance(499);
        QCOMPARE(reports.size(), size_t(2));  // within the interval again

        sink.finish();
        QCOMPARE(reports.size(), size_t(3));
        QVERIFY(reports.back().finished);
        QCOMPARE(reports.back().done, int64_t(1000));
        QCOMPARE(QString::fromStdString(reports.back().stage), QString("extracting"));
    }

    void progress_counts_every_advance_across_threads() {
        NullProgress sink;
        sink.begin("parallel", 40000);
        std::vector<std::thread> workers;
        for (int t = 0; t < 4; ++t) {
            workers.emplace_back([&] {
                for (int i = 0; i < 10000; ++i) {
                    sink.advance();
                }
            });
        }
        for (auto& w : workers) {
            w.join();
        }
        QCOMPARE(sink.done(), int64_t(40000));
    }

    void progress_line_shows_bar_rate_and_eta() {
        ProgressReport r;
        r.stage = "extracting";
        r.unit = "images";
        r.done = 450;
        r.total = 1000;
        r.rate_per_s = 32.14;
        r.eta_s = 17.1;
        const QString line = QString::fromStdString(format_progress_line(r, 100));
        QVERIFY2(line.startsWith("extracting ["), qPrintable(line));
        QVERIFY2(line.contains(" 45%"), qPrintable(line));
        QVERIFY2(line.contains("450/1000 images"), qPrintable(line));
        QVERIFY2(line.contains("32.1 images/s"), qPrintable(line));
        QVERIFY2(line.contains("ETA 0:17"), qPrintable(line));
        QVERIFY(line.size() <= 100);
        QVERIFY(format_progress_line(r, 40).size() <= 40);

        r.rate_per_s = 517642927.0;
        const QString fast = QString::fromStdString(format_progress_line(r, 100));
        QVERIFY2(fast.contains("518M images/s"), qPrintable(fast));
        r.rate_per_s = 32.14;

        r.total = -1;
        r.eta_s = -1;
        const QString open_ended = QString::fromStdString(format_progress_line(r, 100));
        QVERIFY2(!open_ended.contains('['), qPrintable(open_ended));
        QVERIFY2(open_ended.contains("450 images"), qPrintable(open_ended));
    }

    void durations_format_as_clock_time() {
        QCOMPARE(QString::fromStdString(format_duration(0)), QString("0:00"));
        QCOMPARE(QString::fromStdString(format_duration(65)), QString("1:05"));
        QCOMPARE(QString::fromStdString(format_duration(3723)), QString("1:02:03"));
        QCOMPARE(QString::fromStdString(format_duration(-1)), QString("--:--"));
    }
};

QTEST_APPLESS_MAIN(TestUtil)
#include "test_util.moc"
