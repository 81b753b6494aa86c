#include "ui/export/figure_writer.h"

#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>

#include <cmath>

namespace taxoscope::ui {

namespace {

constexpr double kLogicalDpi = 96.0;

core::Error io_error(const QString& path, const QString& why) {
    return core::Error{core::ErrorCode::Io, (path + ": " + why).toStdString()};
}

void paint_scaled(QPainter& painter, const Figure& figure, double scale) {
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing |
                           QPainter::SmoothPixmapTransform);
    painter.scale(scale, scale);
    painter.drawPicture(0, 0, figure.picture);
}

QByteArray xmp_packet(const Provenance& provenance) {
    const QString description = provenance.text().toHtmlEscaped();
    const QString xml =
        QStringLiteral(
            "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
            "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
            "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
            "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
            "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">%1</rdf:li></rdf:Alt></dc:title>"
            "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">%2</rdf:li></rdf:Alt>"
            "</dc:description><dc:creator><rdf:Seq><rdf:li>taxoscope</rdf:li></rdf:Seq>"
            "</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>")
            .arg(provenance.what.toHtmlEscaped(), description);
    return xml.toUtf8();
}

}  // namespace

QString Provenance::text() const {
    QStringList lines;
    auto add = [&](const char* key, const QString& value) {
        if (!value.isEmpty()) {
            lines << QStringLiteral("%1: %2").arg(QLatin1String(key), value);
        }
    };
    add("figure", what);
    add("workspace", workspace);
    add("model sha256", model_sha256);
    add("layer", layer);
    add("sae", sae_file);
    add("created", created.toString(Qt::ISODate));
    add("tool", QStringLiteral("taxoscope"));
    return lines.join('\n');
}

core::Result<FigureFormat> figure_format_of(const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == "png") {
        return FigureFormat::Png;
    }
    if (suffix == "svg") {
        return FigureFormat::Svg;
    }
    if (suffix == "pdf") {
        return FigureFormat::Pdf;
    }
    return core::fail(core::ErrorCode::InvalidArgument,
                      (path + ": unknown figure format; use .png, .svg or .pdf").toStdString());
}

core::Result<void> write_figure(const Figure& figure, const QString& path, int dpi,
                                const Provenance& provenance) {
    const core::Result<FigureFormat> format = figure_format_of(path);
    if (!format) {
        return tl::make_unexpected(format.error());
    }
    if (dpi < 24 || dpi > 2400) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "figure resolution " + std::to_string(dpi) + " dpi is outside 24..2400");
    }
    if (figure.size.isEmpty()) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          (path + ": the figure is empty").toStdString());
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return tl::make_unexpected(io_error(path, file.errorString()));
    }
    const double scale = dpi / kLogicalDpi;
    switch (*format) {
        case FigureFormat::Png: {
            QImage image(QSize(int(std::ceil(figure.size.width() * scale)),
                               int(std::ceil(figure.size.height() * scale))),
                         QImage::Format_ARGB32_Premultiplied);
            image.fill(Qt::white);
            image.setDotsPerMeterX(int(std::lround(dpi / 0.0254)));
            image.setDotsPerMeterY(int(std::lround(dpi / 0.0254)));
            image.setText("Description", provenance.text());
            image.setText("Software", "taxoscope");
            {
                QPainter painter(&image);
                paint_scaled(painter, figure, scale);
            }
            if (!image.save(&file, "PNG")) {
                file.cancelWriting();
                return tl::make_unexpected(io_error(path, "could not encode the PNG"));
            }
            break;
        }
        case FigureFormat::Svg: {
            QSvgGenerator svg;
            svg.setOutputDevice(&file);
            svg.setSize(figure.size.toSize());
            svg.setViewBox(QRectF(QPointF(0, 0), figure.size));
            svg.setResolution(int(kLogicalDpi));
            svg.setTitle(provenance.what.isEmpty() ? QStringLiteral("taxoscope figure")
                                                   : provenance.what);
            svg.setDescription(provenance.text());
            QPainter painter;
            if (!painter.begin(&svg)) {
                file.cancelWriting();
                return tl::make_unexpected(io_error(path, "could not start the SVG"));
            }
            paint_scaled(painter, figure, 1.0);
            painter.end();
            break;
        }
        case FigureFormat::Pdf: {
            QPdfWriter pdf(&file);
            pdf.setResolution(dpi);
            pdf.setCreator(QStringLiteral("taxoscope"));
            pdf.setTitle(provenance.what.isEmpty() ? QStringLiteral("taxoscope figure")
                                                   : provenance.what);
            pdf.setDocumentXmpMetadata(xmp_packet(provenance));
            // The page is the figure: logical pixels at 96 per inch, in points (72 per inch).
            const QSizeF points = figure.size * (72.0 / kLogicalDpi);
            pdf.setPageSize(QPageSize(points, QPageSize::Point, QString(), QPageSize::ExactMatch));
            pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
            QPainter painter;
            if (!painter.begin(&pdf)) {
                file.cancelWriting();
                return tl::make_unexpected(io_error(path, "could not start the PDF"));
            }
            paint_scaled(painter, figure, scale);
            painter.end();
            break;
        }
    }
    if (!file.commit()) {
        return tl::make_unexpected(io_error(path, file.errorString()));
    }
    return {};
}

}  // namespace taxoscope::ui
