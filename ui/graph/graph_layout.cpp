#include "ui/graph/graph_layout.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <memory>
#include <mutex>

namespace taxoscope::ui {

namespace {

// cgraph takes char* for names it never modifies.
char* text(const char* literal) {
    return const_cast<char*>(literal);
}

std::mutex& graphviz_mutex() {
    static std::mutex mutex;
    return mutex;
}

struct GraphvizSession {
    GVC_t* context = gvContext();
    Agraph_t* graph = nullptr;
    bool laid_out = false;

    ~GraphvizSession() {
        if (graph != nullptr) {
            if (laid_out) {
                gvFreeLayout(context, graph);
            }
            agclose(graph);
        }
        if (context != nullptr) {
            gvFreeContext(context);
        }
    }
};

}  // namespace

core::Result<GraphLayout> layout_with_dot(const LayoutRequest& request) {
    const int count = static_cast<int>(request.labels.size());
    for (const auto& [from, to] : request.edges) {
        if (from < 0 || from >= count || to < 0 || to >= count) {
            return core::fail(core::ErrorCode::InvalidArgument,
                              "graph layout: an edge refers to node " +
                                  std::to_string(from < 0 || from >= count ? from : to) + " of " +
                                  std::to_string(count));
        }
    }
    GraphLayout out;
    if (count == 0) {
        return out;
    }

    std::lock_guard<std::mutex> lock(graphviz_mutex());
    GraphvizSession session;
    if (session.context == nullptr) {
        return core::fail(core::ErrorCode::Runtime, "graph layout: Graphviz could not start");
    }
    session.graph = agopen(text("taxonomy"), Agdirected, nullptr);
    agattr(session.graph, AGRAPH, text("rankdir"), text("TB"));
    agattr(session.graph, AGRAPH, text("nodesep"), text("0.25"));
    agattr(session.graph, AGRAPH, text("ranksep"), text("0.45"));
    agattr(session.graph, AGNODE, text("shape"), text("box"));
    agattr(session.graph, AGNODE, text("margin"), text("0.08,0.04"));
    agattr(session.graph, AGNODE, text("fontsize"),
           text(std::to_string(request.font_size).c_str()));
    agattr(session.graph, AGNODE, text("label"), text(""));

    std::vector<Agnode_t*> nodes(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
        const std::string name = "n" + std::to_string(i);
        nodes[static_cast<size_t>(i)] = agnode(session.graph, text(name.c_str()), 1);
        agset(nodes[static_cast<size_t>(i)], text("label"),
              text(request.labels[static_cast<size_t>(i)].c_str()));
    }
    std::vector<Agedge_t*> edges;
    edges.reserve(request.edges.size());
    for (const auto& [from, to] : request.edges) {
        edges.push_back(agedge(session.graph, nodes[static_cast<size_t>(from)],
                               nodes[static_cast<size_t>(to)], nullptr, 1));
    }
    if (gvLayout(session.context, session.graph, "dot") != 0) {
        return core::fail(core::ErrorCode::Runtime, "graph layout: dot failed");
    }
    session.laid_out = true;

    const boxf box = GD_bb(session.graph);
    out.width = box.UR.x - box.LL.x;
    out.height = box.UR.y - box.LL.y;
    // dot puts y upwards; screens put it downwards.
    auto flip = [&](pointf p) { return LayoutPoint{p.x - box.LL.x, box.UR.y - p.y}; };

    out.nodes.reserve(static_cast<size_t>(count));
    for (Agnode_t* node : nodes) {
        PlacedNode placed;
        placed.centre = flip(ND_coord(node));
        placed.width = ND_width(node) * 72.0;  // inches to points
        placed.height = ND_height(node) * 72.0;
        out.nodes.push_back(placed);
    }
    for (size_t e = 0; e < edges.size(); ++e) {
        PlacedEdge placed;
        placed.from = request.edges[e].first;
        placed.to = request.edges[e].second;
        const splines* spline = ED_spl(edges[e]);
        if (spline != nullptr && spline->size > 0) {
            const bezier& curve = spline->list[0];
            for (size_t p = 0; p < size_t(curve.size); ++p) {
                placed.bezier.push_back(flip(curve.list[p]));
            }
            if (curve.eflag != 0) {
                placed.has_arrow = true;
                placed.arrow_tip = flip(curve.ep);
            }
        }
        out.edges.push_back(std::move(placed));
    }
    return out;
}

}  // namespace taxoscope::ui
