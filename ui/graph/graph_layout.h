// Layered graph layout with Graphviz `dot` (cgraph + gvc). Qt-free on purpose: plain structs in
// and out, so the drawing code (taxonomy_graph_view) stays a pure painter and this stays testable.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/util/error.h"

namespace taxoscope::ui {

struct LayoutPoint {
    double x = 0.0;
    double y = 0.0;
};

struct LayoutRequest {
    std::vector<std::string> labels;         // one node per label, in this order
    std::vector<std::pair<int, int>> edges;  // (from, to) indices into labels
    double font_size = 10.0;                 // points; dot sizes boxes to the labels
};

// Coordinates in points with y growing downwards, origin at the drawing's top-left.
struct PlacedNode {
    LayoutPoint centre;
    double width = 0.0;
    double height = 0.0;
};

struct PlacedEdge {
    int from = -1;
    int to = -1;
    std::vector<LayoutPoint> bezier;  // p0, then (c1, c2, p) triples: a cubic Bézier spline
    bool has_arrow = false;
    LayoutPoint arrow_tip;  // where the arrowhead points, when has_arrow
};

struct GraphLayout {
    double width = 0.0;
    double height = 0.0;
    std::vector<PlacedNode> nodes;
    std::vector<PlacedEdge> edges;
};

// Top-to-bottom layered layout. Safe to call from any thread (calls are serialised: Graphviz
// keeps global state).
core::Result<GraphLayout> layout_with_dot(const LayoutRequest& request);

}  // namespace taxoscope::ui
