// `taxoscope-cli doctor`: what this installation runs on, and whether anything required is missing.
#include <iostream>

#include "app/cli/command.h"
#include "core/taxonomy/wordnet_location.h"
#include "core/util/runtime_info.h"

namespace taxoscope::cli {
namespace {

class DoctorCommand final : public Command {
  public:
    std::string name() const override { return "doctor"; }
    std::string summary() const override {
        return "Report library versions, compute devices and WordNet; exit 1 if something "
               "required is missing";
    }
    void add_options(CLI::App& /*sub*/) override {}

    int run(CliContext& context) override {
        const core::RuntimeInfo info = core::runtime_info();
        std::cout << "taxoscope  " << info.taxoscope_version << '\n'
                  << "LibTorch   " << info.libtorch_version << '\n'
                  << "OpenCV     " << info.opencv_version << '\n';
        if (info.cuda_available) {
            std::cout << "CUDA       available: ";
            for (size_t i = 0; i < info.cuda_devices.size(); ++i) {
                std::cout << (i ? ", " : "") << "cuda:" << i << ' ' << info.cuda_devices[i];
            }
            std::cout << '\n';
        } else if (info.cuda_built) {
            std::cout
                << "CUDA       not available (this LibTorch has CUDA, but no device was found)\n";
        } else {
            std::cout << "CUDA       not available (this LibTorch is a CPU build)\n";
        }
        std::cout << "threads    " << info.torch_threads << '\n';

        bool healthy = true;
        const auto wordnet = core::locate_wordnet();
        if (wordnet) {
            std::cout << "WordNet    " << wordnet->string() << " (data.noun found)\n";
        } else {
            std::cout << "WordNet    MISSING\n";
            context.report(wordnet.error());
            healthy = false;
        }
        std::cout << (healthy ? "status     ok\n" : "status     problems found (see above)\n");
        return healthy ? 0 : 1;
    }
};

}  // namespace

TAXOSCOPE_REGISTER_COMMAND(DoctorCommand)

}  // namespace taxoscope::cli
