// Training the demo ViT: AdamW with a one-cycle learning rate, cross-entropy, no augmentation.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <system_error>

#include "core/demo/demo_vit.h"
#include "core/demo/demo_vit_torch.h"
#include "core/util/torch_guard.h"

namespace taxoscope::core {
namespace {

// PyTorch's OneCycleLR defaults (cosine annealing, 30% warm-up, start at max/25, end at
// start/1e4), so the recipe matches the Python measurement in DESIGN.md.
double one_cycle_lr(double max_lr, int64_t step, int64_t total) {
    const double start = max_lr / 25.0;
    const double end = start / 1e4;
    const double warm = std::max(1.0, 0.3 * static_cast<double>(total));
    auto anneal = [](double from, double to, double fraction) {
        return to + (from - to) / 2.0 * (1.0 + std::cos(M_PI * fraction));
    };
    const double s = static_cast<double>(step);
    if (s < warm) {
        return anneal(start, max_lr, s / warm);
    }
    const double rest = std::max(1.0, static_cast<double>(total) - warm);
    return anneal(max_lr, end, std::min(1.0, (s - warm) / rest));
}

int64_t clamp_count(int64_t wanted, int64_t available) {
    return wanted < 0 || wanted > available ? available : wanted;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Result<double> test_accuracy(DemoVitImpl& model, const torch::Tensor& images,
                             const torch::Tensor& labels, ProgressSink& progress,
                             const CancelToken& cancel) {
    torch::NoGradGuard no_grad;
    const int64_t n = images.size(0);
    const int64_t batch = 1000;
    progress.begin("measuring the demo model's test accuracy", n, "images");
    int64_t correct = 0;
    for (int64_t start = 0; start < n; start += batch) {
        if (cancel.is_cancelled()) {
            return fail(cancel.cancelled_error("measuring the demo model's accuracy"));
        }
        const int64_t end = std::min(n, start + batch);
        auto x = images.slice(0, start, end).expand({-1, 3, -1, -1});
        auto predicted = model.logits(x).argmax(1);
        correct += predicted.eq(labels.slice(0, start, end)).sum().item<int64_t>();
        progress.set_done(end);
    }
    progress.finish();
    return n > 0 ? static_cast<double>(correct) / static_cast<double>(n) : 0.0;
}

Result<void> save_scripted(DemoVitImpl& model, const std::filesystem::path& file) {
    auto scripted = script_demo_vit(model);
    torch::jit::ExtraFilesMap extra{
        {"taxoscope.json", model_metadata_to_json(demo_vit_metadata(model.shape()))}};
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    const auto partial = std::filesystem::path(file.string() + ".partial");
    scripted.save(partial.string(), extra);
    std::filesystem::rename(partial, file, ec);
    if (ec) {
        return fail(ErrorCode::Io, "cannot rename " + partial.string() + " to " + file.string() +
                                       ": " + ec.message());
    }
    return {};
}

}  // namespace

Result<DemoTrainingReport> train_demo_vit(const FashionMnistSplit& train,
                                          const FashionMnistSplit& test,
                                          const DemoTrainingOptions& options,
                                          const std::filesystem::path& model_file,
                                          ProgressSink& progress, const CancelToken& cancel) {
    if (options.epochs <= 0 || options.batch <= 0 || options.max_lr <= 0.0) {
        return fail(ErrorCode::InvalidArgument,
                    "demo training needs positive epochs, batch and learning rate");
    }
    return guard_exceptions("training the demo model", [&]() -> Result<DemoTrainingReport> {
        DemoTrainingReport report;
        report.train_images = clamp_count(options.train_images, train.count);
        report.test_images = clamp_count(options.test_images, test.count);
        const auto train_x = demo_images_tensor(train, report.train_images);
        const auto train_y = torch::from_blob(const_cast<uint8_t*>(train.labels.data()),
                                              {report.train_images}, torch::kUInt8)
                                 .to(torch::kLong);
        const auto test_x = demo_images_tensor(test, report.test_images);
        const auto test_y = torch::from_blob(const_cast<uint8_t*>(test.labels.data()),
                                             {report.test_images}, torch::kUInt8)
                                .to(torch::kLong);

        torch::manual_seed(options.seed);
        DemoVit model(options.shape);
        model->train();
        for (const auto& p : model->parameters()) {
            report.parameters += p.numel();
        }
        torch::optim::AdamW optimizer(
            model->parameters(),
            torch::optim::AdamWOptions(options.max_lr).weight_decay(options.weight_decay));

        const int64_t steps_per_epoch = (report.train_images + options.batch - 1) / options.batch;
        report.steps = steps_per_epoch * options.epochs;
        progress.begin("training the demo model", report.steps, "steps");
        int64_t step = 0;
        for (int epoch = 0; epoch < options.epochs; ++epoch) {
            const auto epoch_start = std::chrono::steady_clock::now();
            const auto order = torch::randperm(report.train_images, torch::kLong);
            double loss_sum = 0.0;
            for (int64_t s = 0; s < steps_per_epoch; ++s, ++step) {
                if (cancel.is_cancelled()) {
                    return fail(cancel.cancelled_error("training the demo model"));
                }
                const double lr = one_cycle_lr(options.max_lr, step, report.steps);
                for (auto& group : optimizer.param_groups()) {
                    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
                }
                const auto index = order.slice(
                    0, s * options.batch, std::min(report.train_images, (s + 1) * options.batch));
                const auto x = train_x.index_select(0, index).expand({-1, 3, -1, -1});
                const auto loss =
                    torch::cross_entropy_loss(model->logits(x), train_y.index_select(0, index));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                loss_sum += loss.item<double>();
                progress.advance(1);
            }
            report.epoch_seconds.push_back(seconds_since(epoch_start));
            report.epoch_loss.push_back(loss_sum / static_cast<double>(steps_per_epoch));
            char line[160];
            std::snprintf(line, sizeof line, "epoch %d/%d: mean loss %.4f, %.1f s", epoch + 1,
                          options.epochs, report.epoch_loss.back(), report.epoch_seconds.back());
            progress.note(line);
        }
        progress.finish();

        model->eval();
        const auto eval_start = std::chrono::steady_clock::now();
        auto accuracy = test_accuracy(*model, test_x, test_y, progress, cancel);
        if (!accuracy) {
            return fail(accuracy.error());
        }
        report.test_accuracy = *accuracy;
        report.eval_seconds = seconds_since(eval_start);
        if (auto saved = save_scripted(*model, model_file); !saved) {
            return fail(saved.error());
        }
        return report;
    });
}

}  // namespace taxoscope::core
