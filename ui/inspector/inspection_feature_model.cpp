#include "ui/inspector/inspection_feature_model.h"

#include <QFont>

#include "ui/inspector/inspection_result.h"

namespace taxoscope::ui {

InspectionFeatureModel::InspectionFeatureModel(QObject* parent) : QAbstractTableModel(parent) {}

void InspectionFeatureModel::set_layer(std::shared_ptr<const InspectionResult> result, int layer) {
    beginResetModel();
    result_ = std::move(result);
    layer_ =
        result_ && layer >= 0 && size_t(layer) < result_->inspection.layers.size() ? layer : -1;
    extra_.reset();
    endResetModel();
}

void InspectionFeatureModel::set_extra(std::optional<ExtraFeature> extra) {
    if (layer_ < 0) {
        return;
    }
    if (extra_) {
        const int row = top_count();
        beginRemoveRows({}, row, row);
        extra_.reset();
        endRemoveRows();
    }
    if (extra && extra->feature >= 0 && row_of_feature(extra->feature) < 0) {
        const int row = top_count();
        beginInsertRows({}, row, row);
        extra_ = std::move(extra);
        endInsertRows();
    }
}

void InspectionFeatureModel::set_extra_label(std::optional<core::NodeLabel> label) {
    if (!extra_) {
        return;
    }
    extra_->label = std::move(label);
    const int row = top_count();
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

int InspectionFeatureModel::top_count() const {
    return layer_ < 0 ? 0 : int(result_->inspection.layers[size_t(layer_)].top.size());
}

bool InspectionFeatureModel::is_extra(int row) const {
    return extra_.has_value() && row == top_count();
}

float InspectionFeatureModel::value_at(int row) const {
    if (is_extra(row)) {
        return extra_->value;
    }
    if (row < 0 || row >= top_count()) {
        return 0.0f;
    }
    return result_->inspection.layers[size_t(layer_)].top[size_t(row)].value;
}

std::optional<core::NodeLabel> InspectionFeatureModel::label_at(int row) const {
    if (is_extra(row)) {
        return extra_->label;
    }
    if (row < 0 || row >= top_count()) {
        return std::nullopt;
    }
    const auto& labels = result_->labels[size_t(layer_)];
    return size_t(row) < labels.size() ? labels[size_t(row)] : std::nullopt;
}

void InspectionFeatureModel::clear() {
    set_layer(nullptr, -1);
}

int InspectionFeatureModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || layer_ < 0) {
        return 0;
    }
    return top_count() + (extra_ ? 1 : 0);
}

int InspectionFeatureModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

int64_t InspectionFeatureModel::feature_at(int row) const {
    if (is_extra(row)) {
        return extra_->feature;
    }
    if (row < 0 || row >= top_count()) {
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
    const core::FeatureActivation top{feature_at(index.row()), value_at(index.row())};
    const std::optional<core::NodeLabel> label = label_at(index.row());
    const bool extra = is_extra(index.row());
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
    if (role == Qt::FontRole && extra) {
        QFont font;
        font.setItalic(true);
        return font;
    }
    if (role == Qt::ToolTipRole && extra) {
        return tr("Feature %1 (activation %2 on this image) is not among the top features: it "
                  "was chosen in the features-across-layers strip%3")
            .arg(top.feature)
            .arg(double(top.value), 0, 'g', 4)
            .arg(label ? tr(".\nBest taxonomy node: %1 %2 (F1 %3)")
                             .arg(QString::fromStdString(label->id),
                                  QString::fromStdString(label->name))
                             .arg(double(label->f1), 0, 'f', 3)
                       : QString());
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
