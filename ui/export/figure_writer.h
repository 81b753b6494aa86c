// Writes a Figure as PNG (at a chosen DPI), SVG or PDF, the format taken from the file suffix.
// SVG and PDF carry where the figure came from (workspace, model sha256, layer, SAE file, date)
// in their metadata; the file appears only when complete (written to a temporary name first).
#pragma once

#include <QDateTime>
#include <QString>

#include "core/util/error.h"
#include "ui/export/figure.h"

namespace taxoscope::ui {

struct Provenance {
    QString what;  // "alignment heatmap", "feature block3:117", ...
    QString workspace;
    QString model_sha256;
    QString layer;
    QString sae_file;
    QDateTime created = QDateTime::currentDateTimeUtc();

    // One line per known field, "key: value".
    QString text() const;
};

enum class FigureFormat { Png, Svg, Pdf };

// From the suffix (case-insensitive); InvalidArgument naming the path otherwise.
core::Result<FigureFormat> figure_format_of(const QString& path);

// dpi applies to PNG (pixels = logical size * dpi / 96) and to PDF's internal resolution.
core::Result<void> write_figure(const Figure& figure, const QString& path, int dpi,
                                const Provenance& provenance);

}  // namespace taxoscope::ui
