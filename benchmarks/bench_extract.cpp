// bench_extract: images/s of `taxoscope-cli extract` against a Python PyTorch script doing the
// same work (torch.jit.load of the same file, cv2 decoding + the same preprocessing, the same
// thread count, every layer reduced and stored as float16), on real ImageNet photos with the
// real MobileNetV2 from ../shared/real. Also the CLI's peak RSS at two dataset sizes: it must
// stay flat as N grows (streaming, nothing accumulated).
//
// usage: bench_extract [N=300] [threads=2] [batch=8]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/util/memory_reuse.h"
#include "core/util/thread_waits.h"

namespace fs = std::filesystem;

namespace {

struct Measured {
    int exit_code = -1;
    double seconds = 0.0;
    double peak_rss_mb = 0.0;
};

// fork + exec + wait4: wall time and the child's own peak RSS.
Measured run(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        execv(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    Measured m;
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    m.peak_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
    return m;
}

const char* kPythonReference = R"PY(
import sys, time
from concurrent.futures import ThreadPoolExecutor
import cv2, numpy as np, torch

model_path, manifest, limit, threads, batch, out = sys.argv[1:7]
limit, threads, batch = int(limit), int(threads), int(batch)
torch.set_num_threads(threads)
cv2.setNumThreads(threads)
base = manifest.rsplit('/', 1)[0]
paths = [base + '/' + line.split('\t')[0] for line in open(manifest).read().splitlines()[1:]][:limit]
model = torch.jit.load(model_path).eval()

def load(path):
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    h, w = rgb.shape[:2]
    s = min(h, w)
    nw = 256 if w == s else int(np.floor(w * 256 / s + 0.5))
    nh = 256 if h == s else int(np.floor(h * 256 / s + 0.5))
    rgb = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_LINEAR)
    x0, y0 = (nw - 224) // 2, (nh - 224) // 2
    return (rgb[y0:y0 + 224, x0:x0 + 224].astype(np.float32) / 255.0).transpose(2, 0, 1)

files = {}
with ThreadPoolExecutor(threads) as pool, torch.inference_mode():
    batches = [paths[i:i + batch] for i in range(0, len(paths), batch)]
    pending = pool.map(lambda b: np.stack([load(p) for p in b]), batches)
    for x in pending:
        outputs = model(torch.from_numpy(x))
        for name, t in outputs.items():
            v = t.mean((2, 3)) if t.dim() == 4 else (t[:, 0] if t.dim() == 3 else t)
            if name not in files:
                files[name] = open('%s/%s.f16' % (out, name), 'wb')
            files[name].write(v.to(torch.float16).numpy().tobytes())
for f in files.values():
    f.close()
)PY";

}  // namespace

int main(int argc, char** argv) {
    // The settings taxoscope's programs run with; Python references inherit them.
    taxoscope::core::restart_with_short_thread_waits(argv);
    const int n = argc > 1 ? std::atoi(argv[1]) : 300;
    const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
    const int batch = argc > 3 ? std::atoi(argv[3]) : 8;
    const fs::path real = fs::path(TAXOSCOPE_SHARED_DIR) / "real";
    const fs::path model = real / "mobilenet_v2_imagenet.pt";
    const fs::path manifest = real / "imagenet-samples.tsv";
    if (!fs::exists(model) || !fs::exists(manifest)) {
        std::printf("bench_extract: %s not found; nothing measured\n", real.c_str());
        return 0;
    }
    const fs::path cli =
        fs::canonical("/proc/self/exe").parent_path().parent_path() / "app" / "taxoscope-cli";
    const fs::path tmp = fs::temp_directory_path() / ("bench_extract_" + std::to_string(getpid()));
    fs::create_directories(tmp);
    std::ofstream(tmp / "meta.json")
        << R"({"input_size": 224, "resize_shorter": 256, "mean": [0, 0, 0], "std": [1, 1, 1]})";
    std::ofstream(tmp / "reference.py") << kPythonReference;

    auto extract = [&](int count, const std::string& out) {
        return run({cli.string(),
                    "-q",
                    "--threads",
                    std::to_string(threads),
                    "extract",
                    "--model",
                    model.string(),
                    "--images",
                    manifest.string(),
                    "--metadata",
                    (tmp / "meta.json").string(),
                    "--out",
                    (tmp / out).string(),
                    "--limit",
                    std::to_string(count),
                    "--batch",
                    std::to_string(batch),
                    "--workers",
                    std::to_string(threads),
                    "--device",
                    "cpu"});
    };
    std::printf(
        "bench_extract: MobileNetV2 (all 20 layers, float16), %d real photos, %d threads, "
        "batch %d\n",
        n, threads, batch);
    const Measured small = extract(std::max(1, n / 4), "small");
    const Measured ours = extract(n, "full");
    fs::create_directories(tmp / "python");
    auto reference = [&]() {
        return run({"/usr/bin/python3", (tmp / "reference.py").string(), model.string(),
                    manifest.string(), std::to_string(n), std::to_string(threads),
                    std::to_string(batch), (tmp / "python").string()});
    };
    // The reference as a researcher runs it (glibc's malloc defaults), and once more with the
    // malloc settings taxoscope's programs give themselves (core/util/memory_reuse.h), so the
    // part of the ratio that comes from them is visible.
    const Measured python = reference();
    const std::string kept = std::to_string(taxoscope::core::kKeptAllocationBytes);
    setenv("GLIBC_TUNABLES",
           ("glibc.malloc.mmap_threshold=" + kept + ":glibc.malloc.trim_threshold=" + kept).c_str(),
           1);
    const Measured python_reuse = reference();
    unsetenv("GLIBC_TUNABLES");
    if (small.exit_code != 0 || ours.exit_code != 0 || python.exit_code != 0 ||
        python_reuse.exit_code != 0) {
        std::printf("a run failed (exit codes: taxoscope %d/%d, python %d/%d)\n", small.exit_code,
                    ours.exit_code, python.exit_code, python_reuse.exit_code);
        return 1;
    }
    const double ours_rate = n / ours.seconds;
    const double python_rate = n / python.seconds;
    std::printf("  taxoscope-cli extract   %7.1f images/s  (%.1f s, includes model load)\n",
                ours_rate, ours.seconds);
    std::printf("  Python PyTorch + cv2    %7.1f images/s  (%.1f s, includes model load)\n",
                python_rate, python.seconds);
    std::printf("  ratio taxoscope/python  %7.2fx  (target >= 1.3x)\n", ours_rate / python_rate);
    const double reuse_rate = n / python_reuse.seconds;
    std::printf(
        "  Python, taxoscope's malloc settings %5.1f images/s: ratio %.2fx (for reference)\n",
        reuse_rate, ours_rate / reuse_rate);
    std::printf(
        "  peak RSS taxoscope      %7.0f MB at N=%d, %.0f MB at N=%d (ratio %.2f; flat "
        "means ~1)\n",
        small.peak_rss_mb, std::max(1, n / 4), ours.peak_rss_mb, n,
        ours.peak_rss_mb / small.peak_rss_mb);
    std::printf("  peak RSS python         %7.0f MB at N=%d\n", python.peak_rss_mb, n);
    fs::remove_all(tmp);
    return 0;
}
