#include "ui/dialogs/about_dialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "ui/dialogs/version_report.h"

namespace taxoscope::ui {

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("About taxoscope"));
    setObjectName(QStringLiteral("aboutDialog"));

    auto* intro =
        new QLabel(tr("<h3>taxoscope</h3>"
                      "<p>Shows how a vision model encodes the WordNet taxonomy across its layers, "
                      "through sparse autoencoder features.</p>"
                      "<p>Licensed under the GNU GPL, version 3 or later.</p>"),
                   this);
    intro->setWordWrap(true);

    const auto rows = version_report();
    auto* table = new QTableWidget(static_cast<int>(rows.size()), 2, this);
    table->setObjectName(QStringLiteral("versionTable"));
    table->setHorizontalHeaderLabels({tr("Component"), tr("Version")});
    table->verticalHeader()->hide();
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionMode(QAbstractItemView::NoSelection);
    QStringList plain;
    for (int row = 0; row < rows.size(); ++row) {
        table->setItem(row, 0, new QTableWidgetItem(rows[row].first));
        table->setItem(row, 1, new QTableWidgetItem(rows[row].second));
        plain << rows[row].first + QStringLiteral(": ") + rows[row].second;
    }
    table->horizontalHeader()->setStretchLastSection(true);
    table->resizeColumnsToContents();
    table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto* copy = buttons->addButton(tr("Copy versions"), QDialogButtonBox::ActionRole);
    copy->setToolTip(tr("Copy the version list to the clipboard, e.g. for a bug report"));
    connect(copy, &QPushButton::clicked, this,
            [plain] { QApplication::clipboard()->setText(plain.join(QLatin1Char('\n'))); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(table);
    layout->addWidget(buttons);
    resize(460, 420);
}

}  // namespace taxoscope::ui
