// The feature table: one row per feature in scope (all features of a layer, or the features
// aligned with a taxonomy node), with its best node, F1, LCH and activation statistics. Sort and
// filter through a QSortFilterProxyModel: Qt::UserRole carries numeric sort keys.
#pragma once

#include <QAbstractTableModel>

#include <memory>
#include <vector>

#include "ui/data/layer_features.h"

namespace taxoscope::core {
class Taxonomy;
}

namespace taxoscope::ui {

class FeatureTableModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column {
        FeatureColumn,
        NodeF1Column,  // F1 for the scope's node; blank when the scope is a whole layer
        BestNodeColumn,
        BestF1Column,
        LchColumn,
        LchHeightColumn,
        FrequencyColumn,
        MeanColumn,
        MaxColumn,
        ColumnCount
    };
    enum Role { FeatureRole = Qt::UserRole + 1 };  // int: the feature index

    explicit FeatureTableModel(QObject* parent = nullptr);

    void set_layer(std::shared_ptr<const LayerFeatures> features,
                   std::shared_ptr<const core::Taxonomy> taxonomy);
    // Rows = these features; node_f1 (same length, or empty) fills the node F1 column.
    void set_scope(std::vector<int> features, std::vector<float> node_f1 = {});
    // Every feature of the layer.
    void show_all_features();

    int feature_at(int row) const;
    int row_of_feature(int feature) const;  // -1 when not in scope
    const LayerFeatures* layer() const { return features_.get(); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

  private:
    QString node_label(int node) const;
    double frequency(int feature) const;
    double mean_activation(int feature) const;

    std::shared_ptr<const LayerFeatures> features_;
    std::shared_ptr<const core::Taxonomy> taxonomy_;
    std::vector<int> rows_;
    std::vector<float> node_f1_;
};

}  // namespace taxoscope::ui
