// The top features of one layer of an inspected image: feature index, its activation on the
// image, its best taxonomy node (name and id) and that node's F1. Sort through a
// QSortFilterProxyModel with sortRole = SortRole (numbers sort as numbers).
#pragma once

#include <QAbstractTableModel>

#include <cstdint>
#include <memory>
#include <optional>

#include "core/inspect/workspace_inspector.h"

namespace taxoscope::ui {

struct InspectionResult;

// A feature shown below the top ones (chosen in the "features across layers" strip): its code
// on the image and, once known, its best node.
struct ExtraFeature {
    int64_t feature = -1;
    float value = 0.0f;
    std::optional<core::NodeLabel> label;
};

class InspectionFeatureModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column {
        FeatureColumn,
        ActivationColumn,
        NodeColumn,
        NodeIdColumn,
        F1Column,
        ColumnCount
    };
    enum Role {
        FeatureRole = Qt::UserRole + 1,  // qlonglong: the feature index
        SortRole,                        // numbers for numeric columns, text otherwise
    };

    explicit InspectionFeatureModel(QObject* parent = nullptr);

    // Rows = the top features of `layer` (an index into result->inspection.layers).
    void set_layer(std::shared_ptr<const InspectionResult> result, int layer);
    void clear();
    int layer() const { return layer_; }
    int64_t feature_at(int row) const;  // -1 outside
    int row_of_feature(int64_t feature) const;
    float value_at(int row) const;
    std::optional<core::NodeLabel> label_at(int row) const;
    // One more row after the top features (nullopt removes it); kept until the layer changes.
    void set_extra(std::optional<ExtraFeature> extra);
    const std::optional<ExtraFeature>& extra() const { return extra_; }
    void set_extra_label(std::optional<core::NodeLabel> label);  // once it is known
    bool is_extra(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

  private:
    std::shared_ptr<const InspectionResult> result_;
    int layer_ = -1;
    std::optional<ExtraFeature> extra_;
    int top_count() const;
};

}  // namespace taxoscope::ui
