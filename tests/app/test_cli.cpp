// taxoscope-cli's own entry points, run as a user runs them.
#include <QtTest>

#include <QTemporaryDir>

#include "support/process_run.h"

using taxoscope::test::run_cli;

class TestCli : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void version_names_program_and_version() {
        const auto r = run_cli({"--version"});
        QCOMPARE(r.exit_code, 0);
        QVERIFY2(QRegularExpression(R"(^taxoscope-cli \d+\.\d+\.\d+\s*$)").match(r.out).hasMatch(),
                 qPrintable(r.out));
    }

    void help_lists_the_commands_and_global_options() {
        const auto r = run_cli({"--help"});
        QCOMPARE(r.exit_code, 0);
        QVERIFY2(r.out.contains("doctor"), qPrintable(r.out));
        QVERIFY2(r.out.contains("--threads"), qPrintable(r.out));
    }

    void unknown_command_fails_with_a_message() {
        const auto r = run_cli({"no-such-command"});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.all().contains("no-such-command"), qPrintable(r.all()));
    }

    void unexpected_arguments_after_a_command_are_refused() {
        const auto r = run_cli({"doctor", "surplus"});
        QCOMPARE(r.exit_code, 2);
        QVERIFY2(r.err.contains("unexpected argument 'surplus'"), qPrintable(r.all()));
    }

    void no_command_fails_and_shows_usage() {
        const auto r = run_cli({});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.all().contains("doctor"), qPrintable(r.all()));
    }

    void doctor_reports_versions_and_wordnet() {
        auto env = QProcessEnvironment::systemEnvironment();
        env.remove("TAXOSCOPE_WORDNET");
        if (!QFileInfo::exists("/usr/share/wordnet/data.noun")) {
            QSKIP("WordNet 3.0 (wordnet-base) is not installed here");
        }
        const auto r = run_cli({"doctor"}, env);
        QVERIFY2(r.exit_code == 0, qPrintable(r.all()));
        QVERIFY2(QRegularExpression(R"(LibTorch\s+\d+\.\d+)").match(r.out).hasMatch(),
                 qPrintable(r.out));
        QVERIFY2(QRegularExpression(R"(OpenCV\s+\d+\.\d+)").match(r.out).hasMatch(),
                 qPrintable(r.out));
        QVERIFY2(r.out.contains(QRegularExpression(R"(CUDA\s+(available|not available))")),
                 qPrintable(r.out));
        QVERIFY2(r.out.contains("/usr/share/wordnet"), qPrintable(r.out));
    }

    void doctor_fails_on_an_empty_wordnet_folder() {
        QTemporaryDir empty;
        QVERIFY(empty.isValid());
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("TAXOSCOPE_WORDNET", empty.path());
        const auto r = run_cli({"doctor"}, env);
        QCOMPARE(r.exit_code, 1);
        QVERIFY2(r.all().contains(empty.path()), qPrintable(r.all()));
        QVERIFY2(r.all().contains("wordnet-base"), qPrintable(r.all()));
    }

    void doctor_fails_on_a_missing_wordnet_folder() {
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("TAXOSCOPE_WORDNET", "/nonexistent/wordnet-folder");
        const auto r = run_cli({"doctor"}, env);
        QCOMPARE(r.exit_code, 1);
        QVERIFY2(r.all().contains("/nonexistent/wordnet-folder does not exist"),
                 qPrintable(r.all()));
    }

    void threads_option_is_applied() {
        const auto r = run_cli({"--threads", "1", "doctor"});
        QVERIFY2(QRegularExpression(R"(threads\s+1\b)").match(r.out).hasMatch(), qPrintable(r.out));
        const auto bad = run_cli({"--threads", "-3", "doctor"});
        QVERIFY(bad.exit_code != 0);
    }

    // libgomp prints the settings it started with (OMP_DISPLAY_ENV): the program restarts
    // itself with the short waits, and a user's own setting is kept.
    void thread_pools_start_with_short_waits_unless_the_user_chose() {
        auto env = QProcessEnvironment::systemEnvironment();
        for (const char* name : {"OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OPENBLAS_THREAD_TIMEOUT",
                                 "GOTO_THREAD_TIMEOUT"}) {
            env.remove(QString::fromLatin1(name));
        }
        env.insert("OMP_DISPLAY_ENV", "verbose");
        const auto fresh = run_cli({"doctor", "--no-gemm"}, env);
        QVERIFY2(fresh.err.contains("GOMP_SPINCOUNT = '1000'"), qPrintable(fresh.err));
        env.insert("GOMP_SPINCOUNT", "5000");
        const auto chosen = run_cli({"doctor", "--no-gemm"}, env);
        QVERIFY2(chosen.err.contains("GOMP_SPINCOUNT = '5000'"), qPrintable(chosen.err));
        QVERIFY2(!chosen.err.contains("GOMP_SPINCOUNT = '1000'"), qPrintable(chosen.err));
    }
};

QTEST_APPLESS_MAIN(TestCli)
#include "test_cli.moc"
