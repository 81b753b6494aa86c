#include "ui/inspector/inspection_feature_model.h"

#include "ui/inspector/inspection_result.h"

namespace taxoscope::ui {

InspectionFeatureModel::InspectionFeatureModel(QObject* parent) : QAbstractTableModel(parent) {}

void InspectionFeatureModel::set_layer(std::shared_ptr<const InspectionResult> result, int layer) {
    beginResetModel();
    result_ = std::move(result);
    layer_ =
        result_ && layer >= 0 && size_t(layer) < result_->inspection.layers.size() ? layer : -1;
    endResetModel();
}

void InspectionFeatureModel::clear() {
    set_layer(nullptr, -1);
}

int InspectionFeatureModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || layer_ < 0) {
        return 0;
    }
    return int(result_->inspection.layers[size_t(layer_)].top.size());
}

int InspectionFeatureModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

int64_t InspectionFeatureModel::feature_at(int row) const {
    if (row < 0 || row >= rowCount()) {
        return -1;
    }
    return result_->inspection.layers[size_t(layer_)].top[size_t(row)].feature;
}

int InspectionFeatureModel::row_of_feature(int64_t feature) const {
    for (int row = 0; row < rowCount(); ++row) {
        if (feature_at(row) == feature) {
            return row;
        }
    }
    return -1;
}

QVariant InspectionFeatureModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) {
        return {};
    }
    const core::LayerInspection& layer = result_->inspection.layers[size_t(layer_)];
    const core::FeatureActivation& top = layer.top[size_t(index.row())];
    const std::vector<std::optional<core::NodeLabel>>& labels = result_->labels[size_t(layer_)];
    const std::optional<core::NodeLabel>& label =
        size_t(index.row()) < labels.size() ? labels[size_t(index.row())] : std::nullopt;
    const QString name = label ? QString::fromStdString(label->name) : QString();
    const QString id = label ? QString::fromStdString(label->id) : QString();

    if (role == FeatureRole) {
        return qlonglong(top.feature);
    }
    if (role == Qt::TextAlignmentRole) {
        const bool number = index.column() == FeatureColumn || index.column() == ActivationColumn ||
                            index.column() == F1Column;
        return int(number ? Qt::AlignRight | Qt::AlignVCenter : Qt::AlignLeft | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole) {
        if (!label) {
            return tr("Feature %1 fires with %2 on this image; its layer has no analysis, so no "
                      "best node is known")
                .arg(top.feature)
                .arg(double(top.value), 0, 'g', 4);
        }
        return tr("Feature %1 fires with %2 on this image.\nBest taxonomy node: %3 %4 "
                  "(node detection F1 %5 over the workspace's images)")
            .arg(top.feature)
            .arg(double(top.value), 0, 'g', 4)
            .arg(id.isEmpty() ? tr("node %1").arg(label->node) : id, name)
            .arg(double(label->f1), 0, 'f', 3);
    }
    if (role == SortRole) {
        switch (index.column()) {
            case FeatureColumn:
                return qlonglong(top.feature);
            case ActivationColumn:
                return double(top.value);
            case NodeColumn:
                return name.toLower();
            case NodeIdColumn:
                return id;
            case F1Column:
                return label ? double(label->f1) : -1.0;
            default:
                return {};
        }
    }
    if (role != Qt::DisplayRole) {
        return {};
    }
    switch (index.column()) {
        case FeatureColumn:
            return qlonglong(top.feature);
        case ActivationColumn:
            return QString::number(double(top.value), 'f', 4);
        case NodeColumn:
            if (!label) {
                return QStringLiteral("-");
            }
            return name.isEmpty() ? tr("node %1").arg(label->node) : name;
        case NodeIdColumn:
            return label ? id : QString();
        case F1Column:
            return label ? QString::number(double(label->f1), 'f', 3) : QStringLiteral("-");
        default:
            return {};
    }
}

QVariant InspectionFeatureModel::headerData(int section, Qt::Orientation orientation,
                                            int role) const {
    if (orientation != Qt::Horizontal) {
        return {};
    }
    if (role == Qt::DisplayRole) {
        switch (section) {
            case FeatureColumn:
                return tr("Feature");
            case ActivationColumn:
                return tr("Activation");
            case NodeColumn:
                return tr("Best node");
            case NodeIdColumn:
                return tr("Node id");
            case F1Column:
                return tr("F1");
            default:
                return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
            case FeatureColumn:
                return tr("SAE feature index in this layer");
            case ActivationColumn:
                return tr("The feature's code z_j on this image (image-level token)");
            case NodeColumn:
                return tr("The taxonomy node the feature detects best (analysis)");
            case NodeIdColumn:
                return tr("WordNet id (or custom id) of the best node");
            case F1Column:
                return tr("Node detection F1 of the feature for its best node");
            default:
                return {};
        }
    }
    return {};
}

}  // namespace taxoscope::ui
