// The house rules of DESIGN.md that a compiler cannot see: core has no Qt (not in its sources,
// not in what libtaxoscope_core.so or taxoscope-cli load), and core headers stay free of LibTorch.
#include <QtTest>

#include <QDirIterator>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

namespace {

const QRegularExpression kQtInclude(
    QStringLiteral(R"(^\s*#\s*include\s*[<"](Q[A-Za-z0-9]+|Qt[A-Za-z0-9]*/|qcustomplot))"));
const QRegularExpression kQtInCMake(QStringLiteral(R"(Qt[56]::|find_package\s*\(\s*Qt)"));
const QRegularExpression kHeavyInclude(
    QStringLiteral(R"(^\s*#\s*include\s*[<"](torch/|ATen/|c10/|opencv2/))"));

// Every "file:line: text" under `root` whose lines match `pattern`, for files whose name matches
// one of `name_filters`.
QStringList find_lines(const QString& root, const QStringList& name_filters,
                       const QRegularExpression& pattern,
                       const std::function<bool(const QString&)>& skip_file = {}) {
    QStringList hits;
    QDirIterator it(root, name_filters, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (skip_file && skip_file(path)) {
            continue;
        }
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
            hits << path + QStringLiteral(": unreadable");
            continue;
        }
        int line_number = 0;
        while (!file.atEnd()) {
            ++line_number;
            const QString line = QString::fromUtf8(file.readLine());
            if (pattern.match(line).hasMatch()) {
                hits << QStringLiteral("%1:%2: %3").arg(path).arg(line_number).arg(line.trimmed());
            }
        }
    }
    return hits;
}

QStringList qt_in_sources(const QString& root) {
    const QStringList sources{"*.h", "*.hpp", "*.cpp", "*.cc", "*.in"};
    return find_lines(root, sources, kQtInclude) +
           find_lines(root, {"CMakeLists.txt", "*.cmake"}, kQtInCMake);
}

QStringList needed_libraries(const QString& binary) {
    QProcess readelf;
    readelf.start(QStringLiteral("readelf"), {QStringLiteral("-d"), binary});
    if (!readelf.waitForFinished(30000) || readelf.exitCode() != 0) {
        return {QStringLiteral("<readelf failed on %1>").arg(binary)};
    }
    QStringList needed;
    const QRegularExpression entry(QStringLiteral(R"(\(NEEDED\)\s+Shared library: \[([^\]]+)\])"));
    auto matches = entry.globalMatch(QString::fromUtf8(readelf.readAllStandardOutput()));
    while (matches.hasNext()) {
        needed << matches.next().captured(1);
    }
    return needed;
}

}  // namespace

class TestArchitecture : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void core_sources_include_no_qt() {
        const QStringList hits = qt_in_sources(QStringLiteral(TAXOSCOPE_SOURCE_DIR "/core"));
        QVERIFY2(hits.isEmpty(), qPrintable(QStringLiteral("core/ must stay Qt-free:\n") +
                                            hits.join(QLatin1Char('\n'))));
    }

    void the_scanner_catches_a_qt_include() {
        // Proof that the check above can fail: a core-like tree with one Qt include.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QDir(dir.path()).mkpath(QStringLiteral("util"));
        QFile clean(dir.filePath(QStringLiteral("util/clean.cpp")));
        QVERIFY(clean.open(QIODevice::WriteOnly));
        clean.write("#include <vector>\n#include \"core/util/error.h\"\n");
        clean.close();
        QFile dirty(dir.filePath(QStringLiteral("util/dirty.h")));
        QVERIFY(dirty.open(QIODevice::WriteOnly));
        dirty.write("#pragma once\n  #  include <QString>\n");
        dirty.close();
        QFile cmake(dir.filePath(QStringLiteral("CMakeLists.txt")));
        QVERIFY(cmake.open(QIODevice::WriteOnly));
        cmake.write("target_link_libraries(x PRIVATE Qt6::Core)\n");
        cmake.close();

        const QStringList hits = qt_in_sources(dir.path());
        QCOMPARE(hits.size(), 2);
        QVERIFY(hits.join(' ').contains(QStringLiteral("dirty.h:2")));
        QVERIFY(hits.join(' ').contains(QStringLiteral("CMakeLists.txt:1")));
    }

    void core_library_loads_no_qt() {
        const QStringList needed = needed_libraries(QStringLiteral(TAXOSCOPE_CORE_LIBRARY_PATH));
        QVERIFY2(!needed.isEmpty(), "readelf found no NEEDED entries in libtaxoscope_core");
        QVERIFY2(needed.filter(QStringLiteral("torch")).size() > 0, qPrintable(needed.join(' ')));
        QVERIFY2(needed.filter(QRegularExpression(QStringLiteral("Qt|qcustomplot|gvc"))).isEmpty(),
                 qPrintable(needed.join(' ')));
    }

    void cli_loads_no_qt() {
        const QStringList needed = needed_libraries(QStringLiteral(TAXOSCOPE_CLI_PATH));
        QVERIFY2(needed.filter(QStringLiteral("taxoscope_core")).size() == 1,
                 qPrintable(needed.join(' ')));
        QVERIFY2(needed.filter(QRegularExpression(QStringLiteral("Qt|qcustomplot|gvc"))).isEmpty(),
                 qPrintable(needed.join(' ')));
    }

    void core_headers_keep_libtorch_and_opencv_out() {
        // Headers are included widely; LibTorch costs ~20 s per translation unit. Only headers
        // named *_torch.h (adapters included by .cpp files that already use LibTorch) and the
        // precompiled header may include it.
        const auto allowed = [](const QString& path) {
            return path.endsWith(QStringLiteral("_torch.h")) ||
                   path.endsWith(QStringLiteral("/pch.h")) ||
                   path.endsWith(QStringLiteral("/torch_guard.h"));
        };
        const QStringList hits = find_lines(QStringLiteral(TAXOSCOPE_SOURCE_DIR "/core"),
                                            {"*.h", "*.hpp"}, kHeavyInclude, allowed);
        QVERIFY2(hits.isEmpty(), qPrintable(hits.join(QLatin1Char('\n'))));
    }
};

QTEST_APPLESS_MAIN(TestArchitecture)
#include "test_architecture.moc"
