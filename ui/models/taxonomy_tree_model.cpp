#include "ui/models/taxonomy_tree_model.h"

#include <QColor>
#include <QFont>
#include <QLocale>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/taxonomy/taxonomy.h"

namespace taxoscope::ui {

namespace {

constexpr double kNoF1 = std::numeric_limits<double>::quiet_NaN();

QString qstring(const std::string& text) {
    return QString::fromStdString(text);
}

}  // namespace

TaxonomyTreeModel::TaxonomyTreeModel(QObject* parent) : QAbstractItemModel(parent) {}

TaxonomyTreeModel::~TaxonomyTreeModel() = default;

void TaxonomyTreeModel::set_taxonomy(std::shared_ptr<const core::Taxonomy> taxonomy,
                                     std::vector<int64_t> class_image_counts) {
    beginResetModel();
    taxonomy_ = std::move(taxonomy);
    items_.clear();
    top_items_.clear();
    images_under_.clear();
    node_best_f1_.clear();
    highlighted_.clear();
    layer_names_.clear();
    current_layer_ = 0;
    if (taxonomy_ && taxonomy_->node_count() > 0) {
        items_.push_back(Item{taxonomy_->root(), -1, 0, false, {}});
        top_items_.push_back(0);
        if (static_cast<int>(class_image_counts.size()) == taxonomy_->class_count()) {
            images_under_.assign(static_cast<size_t>(taxonomy_->node_count()), 0);
            for (int v = 0; v < taxonomy_->node_count(); ++v) {
                int64_t total = 0;
                taxonomy_->classes_under(v).for_each(
                    [&](int c) { total += class_image_counts[static_cast<size_t>(c)]; });
                images_under_[static_cast<size_t>(v)] = total;
            }
        }
    }
    endResetModel();
}

void TaxonomyTreeModel::set_layer_alignment(QStringList layer_names,
                                            std::vector<std::vector<float>> node_best_f1) {
    layer_names_ = std::move(layer_names);
    node_best_f1_ = std::move(node_best_f1);
    current_layer_ =
        layer_names_.isEmpty() ? 0 : std::min(current_layer_, int(layer_names_.size()) - 1);
    notify_alignment_changed();
}

void TaxonomyTreeModel::set_current_layer(int layer) {
    if (layer == current_layer_ || layer < 0 || layer >= layer_names_.size()) {
        return;
    }
    current_layer_ = layer;
    notify_alignment_changed();
}

void TaxonomyTreeModel::notify_alignment_changed() {
    // Only materialised rows can be on screen; each sibling run gets one signal.
    const QVector<int> roles{Qt::DisplayRole,    Qt::UserRole, Qt::FontRole,
                             Qt::BackgroundRole, LayerF1Role,  CurrentLayerF1Role};
    if (!top_items_.empty()) {
        Q_EMIT dataChanged(createIndex(0, 0, quintptr(top_items_.front())),
                           createIndex(0, ColumnCount - 1, quintptr(top_items_.front())), roles);
    }
    for (const Item& item : items_) {
        if (item.children_made && !item.children.empty()) {
            const int first = item.children.front();
            const int last = item.children.back();
            Q_EMIT dataChanged(
                createIndex(0, 0, quintptr(first)),
                createIndex(int(item.children.size()) - 1, ColumnCount - 1, quintptr(last)), roles);
        }
    }
}

void TaxonomyTreeModel::set_highlighted_nodes(std::vector<int> nodes) {
    std::vector<char> next(taxonomy_ ? size_t(taxonomy_->node_count()) : 0, 0);
    for (int node : nodes) {
        if (node >= 0 && size_t(node) < next.size()) {
            next[size_t(node)] = 1;
        }
    }
    const std::vector<char> previous = std::exchange(highlighted_, std::move(next));
    // Only rows whose highlight changed are announced: every click changes the path, and
    // notifying every materialised row costs milliseconds once many branches have been opened.
    const QVector<int> roles{Qt::FontRole, Qt::BackgroundRole};
    for (size_t item = 0; item < items_.size(); ++item) {
        const size_t node = size_t(items_[item].node);
        const char was = node < previous.size() ? previous[node] : 0;
        if (was != highlighted_[node]) {
            const int row = items_[item].row;
            Q_EMIT dataChanged(createIndex(row, 0, quintptr(item)),
                               createIndex(row, ColumnCount - 1, quintptr(item)), roles);
        }
    }
}

bool TaxonomyTreeModel::is_highlighted(int node) const {
    return node >= 0 && size_t(node) < highlighted_.size() && highlighted_[size_t(node)] != 0;
}

int TaxonomyTreeModel::node_at(const QModelIndex& index) const {
    const int item = item_of(index);
    return item < 0 ? -1 : items_[static_cast<size_t>(item)].node;
}

int64_t TaxonomyTreeModel::images_under(int node) const {
    if (node < 0 || static_cast<size_t>(node) >= images_under_.size()) {
        return -1;
    }
    return images_under_[static_cast<size_t>(node)];
}

QModelIndex TaxonomyTreeModel::index_of_node(int node) const {
    if (!taxonomy_ || node < 0 || node >= taxonomy_->node_count() || top_items_.empty()) {
        return {};
    }
    const std::vector<std::vector<int>> paths = taxonomy_->paths_to_root(node, 1);
    if (paths.empty()) {
        return {};
    }
    // paths_to_root runs from the node up; walk it down from the root through the items.
    const std::vector<int>& path = paths.front();
    int item = top_items_.front();
    for (auto step = path.rbegin() + 1; step != path.rend(); ++step) {
        const std::vector<int>& children = child_items(item);
        int next = -1;
        for (int child : children) {
            if (items_[static_cast<size_t>(child)].node == *step) {
                next = child;
                break;
            }
        }
        if (next < 0) {
            return {};
        }
        item = next;
    }
    return createIndex(items_[static_cast<size_t>(item)].row, 0, quintptr(item));
}

const std::vector<int>& TaxonomyTreeModel::child_items(int item) const {
    if (!items_[static_cast<size_t>(item)].children_made) {
        const int node = items_[static_cast<size_t>(item)].node;
        const std::vector<int>& nodes = taxonomy_->children(node);
        std::vector<int> made;
        made.reserve(nodes.size());
        for (size_t i = 0; i < nodes.size(); ++i) {
            made.push_back(static_cast<int>(items_.size()));
            items_.push_back(Item{nodes[i], item, static_cast<int>(i), false, {}});
        }
        // items_ may have reallocated: index afresh.
        Item& parent_item = items_[static_cast<size_t>(item)];
        parent_item.children = std::move(made);
        parent_item.children_made = true;
    }
    return items_[static_cast<size_t>(item)].children;
}

int TaxonomyTreeModel::item_of(const QModelIndex& index) const {
    if (!index.isValid() || index.model() != this) {
        return -1;
    }
    return static_cast<int>(index.internalId());
}

QModelIndex TaxonomyTreeModel::index(int row, int column, const QModelIndex& parent) const {
    if (row < 0 || column < 0 || column >= ColumnCount || !taxonomy_) {
        return {};
    }
    const int parent_item = item_of(parent);
    if (parent.isValid() && parent.column() != 0) {
        return {};
    }
    const std::vector<int>& rows = parent_item < 0 ? top_items_ : child_items(parent_item);
    if (row >= static_cast<int>(rows.size())) {
        return {};
    }
    return createIndex(row, column, quintptr(rows[static_cast<size_t>(row)]));
}

QModelIndex TaxonomyTreeModel::parent(const QModelIndex& child) const {
    const int item = item_of(child);
    if (item < 0) {
        return {};
    }
    const int parent_item = items_[static_cast<size_t>(item)].parent_item;
    if (parent_item < 0) {
        return {};
    }
    return createIndex(items_[static_cast<size_t>(parent_item)].row, 0, quintptr(parent_item));
}

int TaxonomyTreeModel::rowCount(const QModelIndex& parent) const {
    if (!taxonomy_) {
        return 0;
    }
    if (!parent.isValid()) {
        return static_cast<int>(top_items_.size());
    }
    if (parent.column() != 0) {
        return 0;
    }
    return static_cast<int>(child_items(item_of(parent)).size());
}

int TaxonomyTreeModel::columnCount(const QModelIndex& parent) const {
    Q_UNUSED(parent);
    return ColumnCount;
}

bool TaxonomyTreeModel::hasChildren(const QModelIndex& parent) const {
    if (!taxonomy_) {
        return false;
    }
    if (!parent.isValid()) {
        return !top_items_.empty();
    }
    if (parent.column() != 0) {
        return false;
    }
    return !taxonomy_->children(node_at(parent)).empty();
}

double TaxonomyTreeModel::node_f1(int layer, int node) const {
    if (layer < 0 || static_cast<size_t>(layer) >= node_best_f1_.size()) {
        return kNoF1;
    }
    const std::vector<float>& f1 = node_best_f1_[static_cast<size_t>(layer)];
    if (node < 0 || static_cast<size_t>(node) >= f1.size()) {
        return kNoF1;
    }
    return static_cast<double>(f1[static_cast<size_t>(node)]);
}

QString TaxonomyTreeModel::tooltip(int node) const {
    const core::TaxonomyNode& info = taxonomy_->node(node);
    QString text = QStringLiteral("<b>%1</b> (%2)")
                       .arg(qstring(info.name).toHtmlEscaped(), qstring(info.id).toHtmlEscaped());
    if (!info.gloss.empty()) {
        text += QStringLiteral("<br><i>%1</i>").arg(qstring(info.gloss).toHtmlEscaped());
    }
    text += QStringLiteral("<br>depth %1, height %2, %3 classes")
                .arg(taxonomy_->depth(node))
                .arg(taxonomy_->height(node))
                .arg(taxonomy_->classes_under(node).count());
    const size_t parents = taxonomy_->parents(node).size();
    if (parents > 1) {
        text += QStringLiteral("<br>%1 parents: this node appears under each of them").arg(parents);
    }
    if (!taxonomy_->is_nontrivial(node)) {
        text += QStringLiteral("<br>trivial: holds every class, so it is not scored for coverage");
    }
    return text;
}

QVariant TaxonomyTreeModel::data(const QModelIndex& index, int role) const {
    const int node = node_at(index);
    if (node < 0) {
        return {};
    }
    const core::TaxonomyNode& info = taxonomy_->node(node);
    const bool multi_parent = taxonomy_->parents(node).size() > 1;
    switch (role) {
        case NodeRole:
            return node;
        case MultiParentRole:
            return multi_parent;
        case LayerF1Role: {
            QVariantList values;
            for (int layer = 0; layer < static_cast<int>(node_best_f1_.size()); ++layer) {
                values.push_back(node_f1(layer, node));
            }
            return values;
        }
        case CurrentLayerF1Role:
            return node_f1(current_layer_, node);
        case Qt::ToolTipRole:
            return tooltip(node);
        case Qt::FontRole:
            if (index.column() == NameColumn && (multi_parent || is_highlighted(node))) {
                QFont font;
                font.setItalic(multi_parent);
                font.setBold(is_highlighted(node));
                return font;
            }
            return {};
        case Qt::BackgroundRole:
            return is_highlighted(node) ? QVariant(QColor(255, 236, 179)) : QVariant();
        case Qt::TextAlignmentRole:
            if (index.column() == ClassesColumn || index.column() == ImagesColumn) {
                return int(Qt::AlignRight | Qt::AlignVCenter);
            }
            return {};
        case Qt::DisplayRole:
            switch (index.column()) {
                case NameColumn:
                    return multi_parent ? QStringLiteral("%1 (×%2)")
                                              .arg(qstring(info.name))
                                              .arg(taxonomy_->parents(node).size())
                                        : qstring(info.name);
                case IdColumn:
                    return qstring(info.id);
                case ClassesColumn:
                    return taxonomy_->classes_under(node).count();
                case ImagesColumn: {
                    const int64_t images = images_under(node);
                    return images < 0 ? QVariant()
                                      : QVariant(QLocale().toString(qlonglong(images)));
                }
                case AlignmentColumn: {
                    const double f1 = node_f1(current_layer_, node);
                    return std::isnan(f1) ? QVariant() : QVariant(QString::number(f1, 'f', 2));
                }
                default:
                    return {};
            }
        case Qt::UserRole:  // sort keys
            switch (index.column()) {
                case ClassesColumn:
                    return taxonomy_->classes_under(node).count();
                case ImagesColumn:
                    return qlonglong(images_under(node));
                case AlignmentColumn:
                    return node_f1(current_layer_, node);
                default:
                    return qstring(info.name);
            }
        default:
            return {};
    }
}

QVariant TaxonomyTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) {
        return {};
    }
    if (role == Qt::DisplayRole) {
        switch (section) {
            case NameColumn:
                return tr("Node");
            case IdColumn:
                return tr("Id");
            case ClassesColumn:
                return tr("Classes");
            case ImagesColumn:
                return tr("Images");
            case AlignmentColumn:
                return tr("Best F1 by layer");
            default:
                return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
            case NameColumn:
                return tr("Taxonomy node; (×N) marks a node with N parents, shown under each");
            case ClassesColumn:
                return tr("Dataset classes under the node");
            case ImagesColumn:
                return tr("Images whose class is under the node");
            case AlignmentColumn:
                return tr(
                    "Detection F1 of the node's best feature in every layer (first to last); "
                    "the number is the current layer's");
            default:
                return {};
        }
    }
    return {};
}

}  // namespace taxoscope::ui
