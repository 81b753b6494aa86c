// Help -> About: what taxoscope is and the versions it runs on.
#pragma once

#include <QDialog>

namespace taxoscope::ui {

class AboutDialog : public QDialog {
    Q_OBJECT
  public:
    explicit AboutDialog(QWidget* parent = nullptr);
};

}  // namespace taxoscope::ui
