// `taxoscope-cli extract`: run a model over a dataset and cache per-layer activations in a
// workspace (see docs/extract.md).
#include <iostream>

#include "app/cli/command.h"
#include "core/data/dataset.h"
#include "core/model/extraction.h"

namespace taxoscope::cli {
namespace {

class ExtractCommand final : public Command {
  public:
    std::string name() const override { return "extract"; }
    std::string summary() const override {
        return "Run a TorchScript model over images and store per-layer activations in a "
               "workspace (resumable)";
    }

    void add_options(CLI::App& sub) override {
        sub.add_option("--model", model_, "TorchScript model file (see packaging/export_model.py)")
            ->required();
        sub.add_option("--images", images_,
                       "image folder (one sub-folder per class), manifest (.tsv/.csv: path, "
                       "label[, split]) or fashion-mnist[:train|test]")
            ->required();
        sub.add_option("--out", out_, "workspace folder to create (or to resume)")->required();
        sub.add_option("--layers", layers_, "layers to store (default: all)")->delimiter(',');
        sub.add_option("--token", token_, "token of [B,T,D] outputs: cls, mean or auto")
            ->check(CLI::IsMember({"auto", "cls", "mean"}));
        sub.add_option("--device", device_, "auto, cpu, cuda or cuda:N");
        sub.add_option("--precision", precision_, "fp32, or fp16/bf16 on CUDA")
            ->check(CLI::IsMember({"fp32", "fp16", "bf16"}));
        sub.add_option("--batch", batch_, "images per forward (default: 8 on CPU, 64 on CUDA)")
            ->check(CLI::PositiveNumber);
        sub.add_option("--workers", workers_, "decoding threads (default: all cores)")
            ->check(CLI::PositiveNumber);
        sub.add_option("--dtype", dtype_, "stored precision: f16 or f32")
            ->check(CLI::IsMember({"f16", "f32"}));
        sub.add_option("--limit", limit_, "only the first N images")->check(CLI::PositiveNumber);
        sub.add_option("--classes", classes_,
                       "class set that folder names and manifest labels refer to: imagenet1k, "
                       "fashion-mnist, or a class list file (docs/taxonomy.md)");
        sub.add_option("--metadata", metadata_,
                       "taxoscope.json to use when the model archive has none (or to override it)");
    }

    int run(CliContext& context) override {
        using namespace core;
        ClassList classes;
        if (!classes_.empty()) {
            auto read = resolve_class_list(classes_);
            if (!read) {
                return context.report(read.error());
            }
            classes = std::move(*read);
        }
        auto dataset = open_dataset(images_, classes.empty() ? nullptr : &classes);
        if (!dataset) {
            return context.report(dataset.error());
        }
        ExtractOptions options;
        options.model = model_;
        options.out = out_;
        options.layers = layers_;
        options.token = *parse_token_choice(token_);
        options.runner.device = device_;
        options.runner.metadata_file = metadata_;
        auto precision = core::parse_model_precision(precision_);
        if (!precision) {
            return context.report(precision.error());
        }
        options.runner.precision = *precision;
        options.batch = batch_;
        options.workers = workers_ > 0 ? workers_ : context.options().threads;
        options.dtype = dtype_ == "f32" ? DType::F32 : DType::F16;
        options.limit = limit_;

        auto progress = context.make_progress();
        auto summary = extract_activations(**dataset, options, *progress, context.cancel());
        progress.reset();
        if (!summary) {
            return context.report(summary.error());
        }
        std::cout << (summary->resumed ? "resumed and finished " : "finished ") << out_ << ": "
                  << summary->images << " images, " << summary->layers.size() << " layer(s)";
        if (summary->skipped > 0) {
            std::cout << ", " << summary->skipped << " skipped (see " << out_
                      << "/extract_report.tsv)";
        }
        std::cout << ", " << static_cast<int64_t>(summary->seconds) << " s\n";
        return 0;
    }

  private:
    std::string model_;
    std::string images_;
    std::string out_;
    std::vector<std::string> layers_;
    std::string token_ = "auto";
    std::string device_ = "auto";
    std::string precision_ = "fp32";
    int64_t batch_ = 0;
    int workers_ = 0;
    std::string dtype_ = "f16";
    int64_t limit_ = -1;
    std::string classes_;
    std::string metadata_;
};

}  // namespace

TAXOSCOPE_REGISTER_COMMAND(ExtractCommand)

}  // namespace taxoscope::cli
