#include "ui/models/feature_table_model.h"

#include <cmath>
#include <numeric>

#include "core/analysis/analysis_file.h"
#include "core/taxonomy/taxonomy.h"

namespace taxoscope::ui {

namespace {

template <typename T>
T value_or(const std::vector<T>& values, int i, T fallback) {
    return i >= 0 && static_cast<size_t>(i) < values.size() ? values[static_cast<size_t>(i)]
                                                            : fallback;
}

}  // namespace

FeatureTableModel::FeatureTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void FeatureTableModel::set_layer(std::shared_ptr<const LayerFeatures> features,
                                  std::shared_ptr<const core::Taxonomy> taxonomy) {
    beginResetModel();
    features_ = std::move(features);
    taxonomy_ = std::move(taxonomy);
    rows_.clear();
    node_f1_.clear();
    endResetModel();
}

void FeatureTableModel::set_scope(std::vector<int> features, std::vector<float> node_f1) {
    beginResetModel();
    rows_.clear();
    const int64_t count = features_ && features_->analysis ? features_->analysis->d_sae : 0;
    node_f1_.clear();
    const bool with_f1 = node_f1.size() == features.size();
    for (size_t i = 0; i < features.size(); ++i) {
        if (features[i] >= 0 && features[i] < count) {
            rows_.push_back(features[i]);
            if (with_f1) {
                node_f1_.push_back(node_f1[i]);
            }
        }
    }
    endResetModel();
}

void FeatureTableModel::show_all_features() {
    std::vector<int> all(
        features_ && features_->analysis ? static_cast<size_t>(features_->analysis->d_sae) : 0);
    std::iota(all.begin(), all.end(), 0);
    set_scope(std::move(all));
}

int FeatureTableModel::feature_at(int row) const {
    return row >= 0 && static_cast<size_t>(row) < rows_.size() ? rows_[static_cast<size_t>(row)]
                                                               : -1;
}

int FeatureTableModel::row_of_feature(int feature) const {
    for (size_t row = 0; row < rows_.size(); ++row) {
        if (rows_[row] == feature) {
            return static_cast<int>(row);
        }
    }
    return -1;
}

int FeatureTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int FeatureTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString FeatureTableModel::node_label(int node) const {
    if (!taxonomy_ || node < 0 || node >= taxonomy_->node_count()) {
        return {};
    }
    return QString::fromStdString(taxonomy_->node(node).name);
}

double FeatureTableModel::frequency(int feature) const {
    const core::LayerAnalysis& a = *features_->analysis;
    if (features_->image_count <= 0) {
        return std::nan("");
    }
    return double(value_or<int64_t>(a.fire_count, feature, 0)) / double(features_->image_count);
}

double FeatureTableModel::mean_activation(int feature) const {
    const core::LayerAnalysis& a = *features_->analysis;
    const int64_t fired = value_or<int64_t>(a.fire_count, feature, 0);
    return fired > 0 ? value_or(a.act_sum, feature, 0.0) / double(fired) : 0.0;
}

QVariant FeatureTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !features_ || !features_->analysis || index.row() >= rowCount()) {
        return {};
    }
    const core::LayerAnalysis& a = *features_->analysis;
    const int j = rows_[static_cast<size_t>(index.row())];
    const int best = value_or<int32_t>(a.best_node, j, -1);
    const int lch = value_or<int32_t>(a.lch_node, j, -1);
    const double nan = std::nan("");
    const double node_f1 = node_f1_.empty() ? nan : double(node_f1_[size_t(index.row())]);
    const double max = double(value_or(a.act_max, j, float(nan)));

    if (role == FeatureRole) {
        return j;
    }
    if (role == Qt::TextAlignmentRole) {
        const int column = index.column();
        return column == BestNodeColumn || column == LchColumn
                   ? int(Qt::AlignLeft | Qt::AlignVCenter)
                   : int(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole &&
        (index.column() == BestNodeColumn || index.column() == LchColumn)) {
        const int node = index.column() == BestNodeColumn ? best : lch;
        if (taxonomy_ && node >= 0 && node < taxonomy_->node_count()) {
            return QStringLiteral("%1 (%2)").arg(node_label(node),
                                                 QString::fromStdString(taxonomy_->node(node).id));
        }
        return {};
    }
    const bool sort_key = role == Qt::UserRole;
    if (role != Qt::DisplayRole && !sort_key) {
        return {};
    }
    auto number = [&](double v, int decimals) -> QVariant {
        if (sort_key) {
            return std::isnan(v) ? -1.0 : v;
        }
        return std::isnan(v) ? QVariant() : QVariant(QString::number(v, 'f', decimals));
    };
    switch (index.column()) {
        case FeatureColumn:
            return j;
        case NodeF1Column:
            return number(node_f1, 3);
        case BestNodeColumn:
            return node_label(best);
        case BestF1Column:
            return number(double(value_or(a.best_f1, j, float(nan))), 3);
        case LchColumn:
            return node_label(lch);
        case LchHeightColumn: {
            const int height = value_or<int32_t>(a.lch_height, j, -1);
            return height < 0 ? (sort_key ? QVariant(-1) : QVariant()) : QVariant(height);
        }
        case FrequencyColumn: {
            const double f = frequency(j);
            if (sort_key) {
                return std::isnan(f) ? -1.0 : f;
            }
            return std::isnan(f) ? QVariant() : QVariant(QString::number(100.0 * f, 'f', 2) + " %");
        }
        case MeanColumn:
            return number(mean_activation(j), 3);
        case MaxColumn:
            return number(max, 3);
        default:
            return {};
    }
}

QVariant FeatureTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) {
        return {};
    }
    static const char* const kNames[ColumnCount] = {"Feature",   "Node F1", "Best node",
                                                    "Best F1",   "LCH",     "LCH height",
                                                    "Frequency", "Mean",    "Max"};
    static const char* const kTips[ColumnCount] = {
        "SAE feature index in this layer",
        "Detection F1 of the feature for the selected node",
        "The node the feature detects best (highest F1)",
        "Detection F1 at the best node",
        "Lowest common hypernym of the classes of the feature's top-k images",
        "Height of the LCH (0 = a class)",
        "Share of images on which the feature fires",
        "Mean activation over the images where it fires",
        "Largest activation over all images"};
    if (section < 0 || section >= ColumnCount) {
        return {};
    }
    if (role == Qt::DisplayRole) {
        return tr(kNames[section]);
    }
    if (role == Qt::ToolTipRole) {
        return tr(kTips[section]);
    }
    return {};
}

}  // namespace taxoscope::ui
