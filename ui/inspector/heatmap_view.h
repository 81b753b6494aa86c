// The model's view of the inspected image with one feature's heatmap painted over it: the map
// (at the model's input resolution) normalised by its maximum and coloured with a perceptual
// colormap, blended with the chosen opacity; optionally the layer's patch grid. Hovering shows
// the map's value under the pointer.
#pragma once

#include <QImage>
#include <QWidget>

#include <vector>

#include "ui/plots/heat_colormap.h"

namespace taxoscope::ui {

class HeatmapView : public QWidget {
    Q_OBJECT
  public:
    explicit HeatmapView(QWidget* parent = nullptr);

    // The model's view (its input before normalisation); clears the heatmap.
    void set_image(const QImage& view);
    // `pixels`: width * height values (row-major) at the view's size; rows x cols: the patch
    // grid (0 x 0: none drawn). An empty `pixels` removes the heatmap.
    void set_heat(std::vector<float> pixels, int width, int height, int rows = 0, int cols = 0);
    void clear_heat();
    void set_opacity(double opacity);  // 0 (image only) .. 1 (map only)
    void set_colormap(HeatColormap map);
    void set_show_grid(bool show);

    bool has_heat() const { return !heat_.empty(); }
    double opacity() const { return opacity_; }
    float heat_max() const { return max_; }
    HeatColormap colormap() const { return colormap_; }
    // The image with the overlay as drawn on screen, at `scale` x the view's size.
    QImage render(int scale = 1) const;
    // The map's value at a point of the view image (view pixel coordinates); NaN outside.
    float heat_at(int x, int y) const;

    QSize sizeHint() const override { return {480, 480}; }
    QSize minimumSizeHint() const override { return {160, 160}; }

  protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

  private:
    void paint(QPainter& painter, const QRectF& target) const;
    QRectF image_rect() const;
    void rebuild_heat_image();

    QImage view_;
    QImage heat_image_;  // ARGB, one pixel per view pixel
    std::vector<float> heat_;
    int heat_width_ = 0;
    int heat_height_ = 0;
    int rows_ = 0;
    int cols_ = 0;
    float max_ = 0.0f;
    double opacity_ = 0.55;
    HeatColormap colormap_ = HeatColormap::Inferno;
    bool show_grid_ = true;
};

}  // namespace taxoscope::ui
