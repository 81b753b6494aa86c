// The selected node's neighbourhood in the taxonomy (paths to the root, children, siblings),
// laid out by dot and drawn in a QGraphicsScene: nodes coloured by best F1 in the current layer,
// the focus outlined, click to select, wheel to zoom, drag to pan.
#pragma once

#include <QGraphicsView>

#include <memory>
#include <vector>

namespace taxoscope::core {
class Taxonomy;
}

namespace taxoscope::ui {

class TaxonomyGraphView : public QGraphicsView {
    Q_OBJECT
  public:
    explicit TaxonomyGraphView(QWidget* parent = nullptr);

    void set_taxonomy(std::shared_ptr<const core::Taxonomy> taxonomy);
    // node_f1[node] for the current layer; empty: nodes are drawn uncoloured.
    void set_node_scores(std::vector<float> node_f1);
    // Nodes outlined in orange (the selected feature's LCH path).
    void set_highlighted_nodes(std::vector<int> nodes);
    // Lays out and draws the neighbourhood of `node`; -1 clears the view.
    void show_node(int node);
    int focus_node() const { return focus_; }
    // The scene position of a drawn node's centre (for tests and tooltips); null if not drawn.
    QPointF node_position(int node) const;
    // Why the last layout failed, empty when it succeeded.
    QString last_error() const { return last_error_; }

  Q_SIGNALS:
    void node_clicked(int node);

  protected:
    void wheelEvent(QWheelEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

  private:
    void redraw();
    // Fits the neighbourhood into the view (never magnified beyond its natural size), centred
    // on the focus node.
    void fit_to_view();

    std::shared_ptr<const core::Taxonomy> taxonomy_;
    std::vector<float> node_f1_;
    std::vector<int> highlighted_;
    int focus_ = -1;
    QString last_error_;
    QPoint press_position_;
    // Until the user zooms, every resize fits again: a node shown before the view had its size
    // (at start-up, in a hidden tab) would otherwise stay drawn at the fit for a tiny widget.
    bool auto_fit_ = true;
};

}  // namespace taxoscope::ui
