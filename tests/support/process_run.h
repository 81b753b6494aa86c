// Runs a taxoscope program end to end for tests and collects what it printed.
#pragma once

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace taxoscope::test {

struct ProcessResult {
    int exit_code = -1;
    bool finished = false;
    QString out;
    QString err;
    QString all() const { return out + err; }
};

inline ProcessResult run_program(
    const QString& program, const QStringList& arguments,
    const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment(),
    int timeout_ms = 120000) {
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(program, arguments);
    ProcessResult result;
    result.finished = process.waitForFinished(timeout_ms);
    if (!result.finished) {
        process.kill();
        process.waitForFinished();
    }
    result.exit_code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

inline ProcessResult run_cli(
    const QStringList& arguments,
    const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment(),
    int timeout_ms = 120000) {
    return run_program(QStringLiteral(TAXOSCOPE_CLI_PATH), arguments, environment, timeout_ms);
}

}  // namespace taxoscope::test
