// The top features of one layer of an inspected image: feature index, its activation on the
// image, its best taxonomy node (name and id) and that node's F1. Sort through a
// QSortFilterProxyModel with sortRole = SortRole (numbers sort as numbers).
#pragma once

#include <QAbstractTableModel>

#include <cstdint>
#include <memory>

namespace taxoscope::ui {

struct InspectionResult;

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

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

  private:
    std::shared_ptr<const InspectionResult> result_;
    int layer_ = -1;
};

}  // namespace taxoscope::ui
