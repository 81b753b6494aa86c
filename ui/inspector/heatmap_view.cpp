#include "ui/inspector/heatmap_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <limits>

namespace taxoscope::ui {

HeatmapView::HeatmapView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setToolTip(
        tr("The image as the model sees it (resized and cropped), with the selected "
           "feature's map over it; hover for values"));
}

void HeatmapView::set_image(const QImage& view) {
    view_ = view;
    clear_heat();
}

void HeatmapView::set_heat(std::vector<float> pixels, int width, int height, int rows, int cols) {
    if (pixels.empty() || width <= 0 || height <= 0 ||
        pixels.size() != static_cast<size_t>(width) * static_cast<size_t>(height)) {
        clear_heat();
        return;
    }
    heat_ = std::move(pixels);
    heat_width_ = width;
    heat_height_ = height;
    rows_ = rows;
    cols_ = cols;
    max_ = *std::max_element(heat_.begin(), heat_.end());
    rebuild_heat_image();
    update();
}

void HeatmapView::clear_heat() {
    heat_.clear();
    heat_image_ = QImage();
    heat_width_ = heat_height_ = rows_ = cols_ = 0;
    max_ = 0.0f;
    update();
}

void HeatmapView::set_opacity(double opacity) {
    opacity_ = std::clamp(opacity, 0.0, 1.0);
    update();
}

void HeatmapView::set_colormap(HeatColormap map) {
    colormap_ = map;
    rebuild_heat_image();
    update();
}

void HeatmapView::set_show_grid(bool show) {
    show_grid_ = show;
    update();
}

void HeatmapView::rebuild_heat_image() {
    if (heat_.empty()) {
        heat_image_ = QImage();
        return;
    }
    // Normalised by the map's maximum as the CLI's overlays are; <= 0 is the darkest colour.
    heat_image_ = QImage(heat_width_, heat_height_, QImage::Format_RGB32);
    for (int y = 0; y < heat_height_; ++y) {
        auto* line = reinterpret_cast<QRgb*>(heat_image_.scanLine(y));
        for (int x = 0; x < heat_width_; ++x) {
            const float v = heat_[static_cast<size_t>(y) * heat_width_ + x];
            line[x] = heat_color(colormap_, max_ > 0.0f ? double(v / max_) : 0.0).rgb();
        }
    }
}

float HeatmapView::heat_at(int x, int y) const {
    if (heat_.empty() || x < 0 || y < 0 || x >= heat_width_ || y >= heat_height_) {
        return std::numeric_limits<float>::quiet_NaN();
    }
    return heat_[static_cast<size_t>(y) * heat_width_ + x];
}

QRectF HeatmapView::image_rect() const {
    if (view_.isNull()) {
        return {};
    }
    const QSizeF size = QSizeF(view_.size()).scaled(QSizeF(rect().size()), Qt::KeepAspectRatio);
    return QRectF(QPointF((width() - size.width()) / 2.0, (height() - size.height()) / 2.0), size);
}

void HeatmapView::paint(QPainter& painter, const QRectF& target) const {
    // Small views (28 px Fashion-MNIST) are shown with their real pixels; photos smoothly.
    const bool smooth = target.width() < 3.0 * view_.width();
    painter.setRenderHint(QPainter::SmoothPixmapTransform, smooth);
    painter.drawImage(target, view_);
    if (!heat_image_.isNull() && opacity_ > 0.0) {
        painter.setRenderHint(QPainter::SmoothPixmapTransform, true);
        painter.setOpacity(opacity_);
        painter.drawImage(target, heat_image_);
        painter.setOpacity(1.0);
    }
    if (show_grid_ && rows_ > 0 && cols_ > 0 && !heat_image_.isNull()) {
        painter.setRenderHint(QPainter::Antialiasing, false);
        painter.setPen(QPen(QColor(255, 255, 255, 90), 1.0));
        for (int c = 1; c < cols_; ++c) {
            const double x = target.left() + target.width() * c / cols_;
            painter.drawLine(QPointF(x, target.top()), QPointF(x, target.bottom()));
        }
        for (int r = 1; r < rows_; ++r) {
            const double y = target.top() + target.height() * r / rows_;
            painter.drawLine(QPointF(target.left(), y), QPointF(target.right(), y));
        }
    }
}

QImage HeatmapView::render(int scale) const {
    if (view_.isNull()) {
        return {};
    }
    scale = std::max(scale, 1);
    QImage out(view_.size() * scale, QImage::Format_RGB32);
    out.fill(Qt::black);
    QPainter painter(&out);
    paint(painter, QRectF(QPointF(0, 0), QSizeF(out.size())));
    return out;
}

void HeatmapView::paintEvent(QPaintEvent* /*event*/) {
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Window).darker(115));
    if (view_.isNull()) {
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(rect().adjusted(16, 16, -16, -16), Qt::AlignCenter | Qt::TextWordWrap,
                         tr("Open an image (Ctrl+O), drop one here or paste one (Ctrl+V)"));
        return;
    }
    paint(painter, image_rect());
}

void HeatmapView::mouseMoveEvent(QMouseEvent* event) {
    const QRectF target = image_rect();
    if (heat_.empty() || !target.contains(event->position())) {
        QToolTip::hideText();
        return;
    }
    const int x = int((event->position().x() - target.left()) * heat_width_ / target.width());
    const int y = int((event->position().y() - target.top()) * heat_height_ / target.height());
    QString text = tr("pixel (%1, %2): %3").arg(x).arg(y).arg(double(heat_at(x, y)), 0, 'g', 4);
    if (rows_ > 0 && cols_ > 0) {
        text += tr("\npatch (row %1, col %2)")
                    .arg(std::min(y * rows_ / heat_height_, rows_ - 1))
                    .arg(std::min(x * cols_ / heat_width_, cols_ - 1));
    }
    QToolTip::showText(event->globalPosition().toPoint(), text, this);
}

}  // namespace taxoscope::ui
