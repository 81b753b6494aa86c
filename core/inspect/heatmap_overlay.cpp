#include "core/inspect/heatmap_overlay.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgcodecs.hpp>

#include "core/store/atomic_file.h"
#include "core/util/torch_guard.h"

namespace taxoscope::core {

Result<ImageBuffer> render_heatmap_overlay(const ImageBuffer& image, const std::vector<float>& heat,
                                           int rows, int cols, const InputRegion& region,
                                           const OverlayOptions& options) {
    if (rows <= 0 || cols <= 0 || heat.size() != static_cast<size_t>(rows) * cols) {
        return fail(ErrorCode::ShapeMismatch, "heatmap of " + std::to_string(heat.size()) +
                                                  " values is not a " + std::to_string(rows) + "x" +
                                                  std::to_string(cols) + " grid");
    }
    if (image.width <= 0 || image.height <= 0 || !(region.width > 0) || !(region.height > 0)) {
        return fail(ErrorCode::InvalidArgument, "heatmap overlay: empty image or region");
    }
    return guard_exceptions("rendering a heatmap overlay", [&]() -> Result<ImageBuffer> {
        float top = options.max_value;
        if (!(top > 0.0f)) {
            top = *std::max_element(heat.begin(), heat.end());
        }
        cv::Mat grid(rows, cols, CV_32F);
        for (int r = 0; r < rows; ++r) {
            for (int c = 0; c < cols; ++c) {
                const float v = heat[static_cast<size_t>(r) * cols + c];
                grid.at<float>(r, c) = top > 0.0f ? std::clamp(v / top, 0.0f, 1.0f) : 0.0f;
            }
        }
        // Grid cell centres (u + 0.5) land at region.x + (u + 0.5) * sx in continuous image
        // coordinates; OpenCV puts pixel centres at integers, hence the -0.5 shifts. On the
        // model's own view this is cv::resize with INTER_LINEAR.
        const double sx = region.width / cols;
        const double sy = region.height / rows;
        const cv::Matx23d to_image(sx, 0.0, region.x + 0.5 * sx - 0.5, 0.0, sy,
                                   region.y + 0.5 * sy - 0.5);
        cv::Mat spread;
        cv::warpAffine(grid, spread, to_image, cv::Size(image.width, image.height),
                       cv::INTER_LINEAR, cv::BORDER_REPLICATE);
        cv::Mat grey;
        spread.convertTo(grey, CV_8U, 255.0);
        cv::Mat colour;  // BGR
        cv::applyColorMap(grey, colour,
                          options.colormap == HeatColormap::Viridis ? cv::COLORMAP_VIRIDIS
                                                                    : cv::COLORMAP_INFERNO);

        ImageBuffer out;
        out.width = image.width;
        out.height = image.height;
        out.rgb.resize(image.rgb.size());
        const float a = std::clamp(options.alpha, 0.0f, 1.0f);
        for (int y = 0; y < image.height; ++y) {
            const bool row_inside = y + 0.5 > region.y && y + 0.5 < region.y + region.height;
            const auto* bgr = colour.ptr<uint8_t>(y);
            for (int x = 0; x < image.width; ++x) {
                const size_t at = (static_cast<size_t>(y) * image.width + x) * 3;
                const bool inside =
                    row_inside && x + 0.5 > region.x && x + 0.5 < region.x + region.width;
                for (int c = 0; c < 3; ++c) {
                    const float pixel = image.rgb[at + c];
                    const float v = inside ? (1.0f - a) * pixel + a * bgr[3 * x + (2 - c)]
                                           : options.outside_dim * pixel;
                    out.rgb[at + c] =
                        static_cast<uint8_t>(std::lround(std::clamp(v, 0.0f, 255.0f)));
                }
            }
        }
        return out;
    });
}

Result<void> write_png(const std::filesystem::path& path, const ImageBuffer& image) {
    auto bytes = guard_exceptions(path.string(), [&]() -> Result<std::vector<uint8_t>> {
        cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.rgb.data()));
        cv::Mat bgr;
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
        std::vector<uint8_t> png;
        if (!cv::imencode(".png", bgr, png)) {
            return fail(ErrorCode::Runtime, path.string() + ": PNG encoding failed");
        }
        return png;
    });
    if (!bytes) {
        return fail(bytes.error());
    }
    return write_file_atomic(
        path, std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
}

}  // namespace taxoscope::core
