#include "ui/graph/taxonomy_graph_view.h"

#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsSimpleTextItem>
#include <QMouseEvent>
#include <QPainterPath>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

#include "core/taxonomy/neighbourhood.h"
#include "ui/graph/graph_layout.h"
#include "ui/plots/color_scale.h"

namespace taxoscope::ui {

namespace {

constexpr int kNodeKey = 0;  // QGraphicsItem::data key holding the taxonomy node index
constexpr double kFontSize = 9.0;

QPointF point(const LayoutPoint& p) {
    return QPointF(p.x, p.y);
}

void add_arrowhead(QGraphicsScene& scene, QPointF from, QPointF tip, const QPen& pen) {
    const QLineF line(from, tip);
    if (line.length() < 1e-6) {
        return;
    }
    const double angle = std::atan2(tip.y() - from.y(), tip.x() - from.x());
    const double size = 6.0;
    QPolygonF head;
    head << tip << tip - QPointF(std::cos(angle - 0.4) * size, std::sin(angle - 0.4) * size)
         << tip - QPointF(std::cos(angle + 0.4) * size, std::sin(angle + 0.4) * size);
    scene.addPolygon(head, pen, QBrush(pen.color()));
}

}  // namespace

TaxonomyGraphView::TaxonomyGraphView(QWidget* parent) : QGraphicsView(parent) {
    setScene(new QGraphicsScene(this));
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setToolTip(tr("Click a node to select it; wheel to zoom, drag to pan"));
}

void TaxonomyGraphView::set_taxonomy(std::shared_ptr<const core::Taxonomy> taxonomy) {
    taxonomy_ = std::move(taxonomy);
    focus_ = -1;
    node_f1_.clear();
    redraw();
}

void TaxonomyGraphView::set_node_scores(std::vector<float> node_f1) {
    node_f1_ = std::move(node_f1);
    redraw();
}

void TaxonomyGraphView::set_highlighted_nodes(std::vector<int> nodes) {
    highlighted_ = std::move(nodes);
    redraw();
}

void TaxonomyGraphView::show_node(int node) {
    focus_ = taxonomy_ && node >= 0 && node < taxonomy_->node_count() ? node : -1;
    redraw();
    auto_fit_ = true;
    fit_to_view();
}

void TaxonomyGraphView::fit_to_view() {
    resetTransform();
    fitInView(scene()->itemsBoundingRect(), Qt::KeepAspectRatio);
    // Never magnify a small neighbourhood beyond its natural size.
    if (transform().m11() > 1.0) {
        resetTransform();
    }
    const QPointF centre = node_position(focus_);
    if (!centre.isNull()) {
        centerOn(centre);
    }
}

void TaxonomyGraphView::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    if (auto_fit_ && focus_ >= 0) {
        fit_to_view();
    }
}

QPointF TaxonomyGraphView::node_position(int node) const {
    for (QGraphicsItem* item : scene()->items()) {
        if (item->data(kNodeKey).isValid() && item->data(kNodeKey).toInt() == node) {
            return item->sceneBoundingRect().center();
        }
    }
    return {};
}

void TaxonomyGraphView::redraw() {
    scene()->clear();
    last_error_.clear();
    if (!taxonomy_ || focus_ < 0) {
        return;
    }
    const core::Neighbourhood hood = core::neighbourhood(*taxonomy_, focus_);
    LayoutRequest request;
    request.font_size = kFontSize;
    std::vector<int> position_of(static_cast<size_t>(taxonomy_->node_count()), -1);
    for (size_t i = 0; i < hood.nodes.size(); ++i) {
        position_of[static_cast<size_t>(hood.nodes[i])] = static_cast<int>(i);
        request.labels.push_back(taxonomy_->node(hood.nodes[i]).name);
    }
    for (const auto& [from, to] : hood.edges) {
        request.edges.emplace_back(position_of[static_cast<size_t>(from)],
                                   position_of[static_cast<size_t>(to)]);
    }
    const core::Result<GraphLayout> layout = layout_with_dot(request);
    if (!layout) {
        last_error_ = QString::fromStdString(layout.error().message);
        scene()->addText(last_error_);
        return;
    }

    const QPen edge_pen(palette().color(QPalette::Mid), 1.2);
    for (const PlacedEdge& edge : layout->edges) {
        if (edge.bezier.empty()) {
            continue;
        }
        QPainterPath path(point(edge.bezier.front()));
        for (size_t p = 1; p + 2 < edge.bezier.size(); p += 3) {
            path.cubicTo(point(edge.bezier[p]), point(edge.bezier[p + 1]),
                         point(edge.bezier[p + 2]));
        }
        scene()->addPath(path, edge_pen);
        if (edge.has_arrow) {
            add_arrowhead(*scene(), point(edge.bezier.back()), point(edge.arrow_tip), edge_pen);
        }
    }

    QFont font = this->font();
    font.setPointSizeF(kFontSize);
    for (size_t i = 0; i < hood.nodes.size(); ++i) {
        const int node = hood.nodes[i];
        const PlacedNode& placed = layout->nodes[i];
        const QRectF box(placed.centre.x - placed.width / 2, placed.centre.y - placed.height / 2,
                         placed.width, placed.height);
        const double f1 = node_f1_.size() > static_cast<size_t>(node)
                              ? static_cast<double>(node_f1_[static_cast<size_t>(node)])
                              : std::nan("");
        const QColor fill = node_f1_.empty() ? palette().color(QPalette::Base) : score_color(f1);
        const bool is_focus = node == focus_;
        const bool highlighted =
            std::find(highlighted_.begin(), highlighted_.end(), node) != highlighted_.end();
        const QColor outline = highlighted ? QColor(230, 120, 0) : palette().color(QPalette::Text);
        auto* rect = scene()->addRect(
            box, QPen(outline, is_focus ? 3.0 : (highlighted ? 2.5 : 1.0)), QBrush(fill));
        rect->setData(kNodeKey, node);
        rect->setCursor(Qt::PointingHandCursor);
        const core::TaxonomyNode& info = taxonomy_->node(node);
        QString tip = QStringLiteral("%1 (%2)").arg(QString::fromStdString(info.name),
                                                    QString::fromStdString(info.id));
        if (!std::isnan(f1)) {
            tip += tr("\nbest F1 %1").arg(f1, 0, 'f', 2);
        }
        rect->setToolTip(tip);
        auto* label = new QGraphicsSimpleTextItem(QString::fromStdString(info.name), rect);
        label->setFont(font);
        label->setBrush(node_f1_.empty() ? palette().color(QPalette::Text) : text_color_on(fill));
        const QRectF text_box = label->boundingRect();
        label->setPos(box.center() - text_box.center());
        label->setAcceptedMouseButtons(Qt::NoButton);
    }
    if (hood.hidden_children + hood.hidden_siblings > 0) {
        auto* note = scene()->addSimpleText(tr("%1 more children and %2 more siblings not shown")
                                                .arg(hood.hidden_children)
                                                .arg(hood.hidden_siblings));
        note->setBrush(palette().color(QPalette::PlaceholderText));
        note->setPos(0, layout->height + 8);
    }
    scene()->setSceneRect(scene()->itemsBoundingRect().adjusted(-10, -10, 10, 10));
}

void TaxonomyGraphView::wheelEvent(QWheelEvent* event) {
    const double factor = std::pow(1.0015, event->angleDelta().y());
    auto_fit_ = false;
    scale(factor, factor);
    event->accept();
}

void TaxonomyGraphView::mousePressEvent(QMouseEvent* event) {
    press_position_ = event->position().toPoint();
    QGraphicsView::mousePressEvent(event);
}

void TaxonomyGraphView::mouseReleaseEvent(QMouseEvent* event) {
    QGraphicsView::mouseReleaseEvent(event);
    // A click, not the end of a pan.
    if (event->button() != Qt::LeftButton ||
        (event->position().toPoint() - press_position_).manhattanLength() > 4) {
        return;
    }
    for (QGraphicsItem* item : items(event->position().toPoint())) {
        if (item->data(kNodeKey).isValid()) {
            Q_EMIT node_clicked(item->data(kNodeKey).toInt());
            return;
        }
    }
}

}  // namespace taxoscope::ui
