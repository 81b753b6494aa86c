// The taxonomy as a Qt tree: a DAG shown as a tree, so a node with several parents appears under
// each of them (marked). Rows are materialised lazily as branches are opened, which keeps an
// ImageNet-sized taxonomy (1,860 nodes, 75 with several parents) cheap to show.
#pragma once

#include <QAbstractItemModel>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <vector>

namespace taxoscope::core {
class Taxonomy;
}

namespace taxoscope::ui {

class TaxonomyTreeModel : public QAbstractItemModel {
    Q_OBJECT
  public:
    enum Column { NameColumn, IdColumn, ClassesColumn, ImagesColumn, AlignmentColumn, ColumnCount };
    enum Role {
        NodeRole = Qt::UserRole + 1,  // int: the taxonomy node index
        MultiParentRole,              // bool: the node has more than one parent
        LayerF1Role,                  // QVariantList of double, one per layer (NaN: not analysed)
        CurrentLayerF1Role,           // double: best F1 of the node in the current layer, or NaN
    };

    explicit TaxonomyTreeModel(QObject* parent = nullptr);
    ~TaxonomyTreeModel() override;

    // class_image_counts[c] = images labelled c (empty: the images column stays blank).
    void set_taxonomy(std::shared_ptr<const core::Taxonomy> taxonomy,
                      std::vector<int64_t> class_image_counts = {});
    const core::Taxonomy* taxonomy() const { return taxonomy_.get(); }

    // node_best_f1[layer][node]: the best feature's F1 for every node in every layer.
    void set_layer_alignment(QStringList layer_names, std::vector<std::vector<float>> node_best_f1);
    void set_current_layer(int layer);
    int current_layer() const { return current_layer_; }
    const QStringList& layer_names() const { return layer_names_; }

    // Nodes drawn bold with a tinted background (the selected feature's LCH path).
    void set_highlighted_nodes(std::vector<int> nodes);
    bool is_highlighted(int node) const;

    int node_at(const QModelIndex& index) const;  // -1 for an invalid index
    // The row of `node` reached by its first path from the root (the lexicographically smallest
    // path of node indices); invalid for an unknown node.
    QModelIndex index_of_node(int node) const;
    // Images whose class lies under the node (each image once, whatever the paths).
    int64_t images_under(int node) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    bool hasChildren(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

  private:
    // One row of the tree: a node reached along one path. Children are created on first use.
    struct Item {
        int node = -1;
        int parent_item = -1;  // -1: a top-level row
        int row = 0;
        bool children_made = false;
        std::vector<int> children;
    };

    const std::vector<int>& child_items(int item) const;
    int item_of(const QModelIndex& index) const;
    double node_f1(int layer, int node) const;
    void notify_alignment_changed();
    QString tooltip(int node) const;

    std::shared_ptr<const core::Taxonomy> taxonomy_;
    std::vector<int64_t> images_under_;  // per node; empty when no counts were given
    QStringList layer_names_;
    std::vector<std::vector<float>> node_best_f1_;
    std::vector<char> highlighted_;  // per node
    int current_layer_ = 0;
    // The materialised rows; mutable because opening a branch in a view creates them.
    mutable std::vector<Item> items_;
    mutable std::vector<int> top_items_;
};

}  // namespace taxoscope::ui
