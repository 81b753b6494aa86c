// `taxoscope-cli taxonomy` end to end: real WordNet queries, taxonomy.json without WordNet, a
// custom TSV, and the errors users meet (missing WordNet, unknown wnid, cycle).
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

namespace {

struct Run {
    int exit_code = -1;
    QString out;
    QString err;
};

Run run_cli(const QStringList& args, const QString& wordnet = QString()) {
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (!wordnet.isEmpty()) {
        env.insert("TAXOSCOPE_WORDNET", wordnet);
    }
    process.setProcessEnvironment(env);
    process.start(TAXOSCOPE_CLI_PATH, QStringList{"--quiet", "taxonomy"} + args);
    process.waitForFinished(60000);
    Run r;
    r.exit_code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    r.out = QString::fromUtf8(process.readAllStandardOutput());
    r.err = QString::fromUtf8(process.readAllStandardError());
    return r;
}

QJsonObject json_of(const Run& r) {
    return QJsonDocument::fromJson(r.out.toUtf8()).object();
}

bool have_wordnet() {
    return QFile::exists("/usr/share/wordnet/data.noun");
}

void write(const QString& path, const QByteArray& text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

}  // namespace

class TestCliTaxonomy : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void fashion_mnist_stats_lch_path_search_as_json() {
        if (!have_wordnet()) {
            QSKIP("WordNet 3.0 (wordnet-base) is not installed");
        }
        const Run r =
            run_cli({"--classes", "fashion-mnist", "--stats", "--lch", "n04133789,n03472535",
                     "--path", "Shirt", "--search", "boot", "--json"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        const QJsonObject o = json_of(r);
        QCOMPARE(o["stats"].toObject()["nodes"].toInt(), 28);
        QCOMPARE(o["stats"].toObject()["classes"].toInt(), 10);
        QCOMPARE(o["stats"].toObject()["extra_class_leaves"].toInt(), 1);
        QCOMPARE(o["lch"].toObject()["id"].toString(), QString("n04199027"));
        QCOMPARE(o["lch"].toObject()["name"].toString(), QString("shoe"));
        const QJsonArray paths = o["paths"].toArray();
        QVERIFY(!paths.isEmpty());
        const QJsonArray first = paths[0].toArray();
        QCOMPARE(first.first().toObject()["id"].toString(), QString("n00001740"));
        QCOMPARE(first.last().toObject()["id"].toString(), QString("n04197391#class"));
        bool found_boot = false;
        for (const auto& hit : o["search"].toArray()) {
            found_boot |= hit.toObject()["id"].toString() == "n02872752";
        }
        QVERIFY(found_boot);
    }

    void imagenet_text_output() {
        if (!have_wordnet()) {
            QSKIP("WordNet 3.0 (wordnet-base) is not installed");
        }
        const Run r =
            run_cli({"--classes", "imagenet1k", "--stats", "--lch", "n02123045,n02123159"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QRegularExpression("nodes\\s+1860")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QRegularExpression("several parents\\s+75")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QRegularExpression("max depth\\s+\\d+")), qPrintable(r.out));
        QVERIFY2(r.out.contains("LCH  n02121808  domestic cat  depth "), qPrintable(r.out));
        QVERIFY2(r.out.contains("height 1"), qPrintable(r.out));
    }

    void saved_taxonomy_opens_without_wordnet() {
        if (!have_wordnet()) {
            QSKIP("WordNet 3.0 (wordnet-base) is not installed");
        }
        QTemporaryDir dir;
        const QString file = dir.filePath("taxonomy.json");
        const Run saved = run_cli({"--classes", "fashion-mnist", "--save", file, "--stats"});
        QVERIFY2(saved.exit_code == 0, qPrintable(saved.err));
        QVERIFY2(saved.out.contains(QRegularExpression("nodes\\s+28 ")), qPrintable(saved.out));
        QVERIFY2(saved.out.contains("saved " + file), qPrintable(saved.out));
        const Run loaded = run_cli({"--load", file, "--lch", "Sandal,Ankle boot", "--json"},
                                   dir.filePath("no-wordnet-here"));
        QVERIFY2(loaded.exit_code == 0, qPrintable(loaded.err));
        QCOMPARE(json_of(loaded)["lch"].toObject()["id"].toString(), QString("n03380867"));
    }

    void missing_wordnet_is_explained() {
        const Run r = run_cli({"--classes", "fashion-mnist"}, "/nonexistent/wn-dir");
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("/nonexistent/wn-dir"), qPrintable(r.err));
        QVERIFY2(r.err.contains("wordnet-base"), qPrintable(r.err));
    }

    void unknown_wnid_in_a_class_file_names_it_and_its_line() {
        if (!have_wordnet()) {
            QSKIP("WordNet 3.0 (wordnet-base) is not installed");
        }
        QTemporaryDir dir;
        const QString list = dir.filePath("classes.txt");
        write(list, "n02123045 tabby\nn02123159\nn09999999 nothing\n");
        // --wordnet wins over a wrong $TAXOSCOPE_WORDNET.
        const Run r =
            run_cli({"--classes", list, "--wordnet", "/usr/share/wordnet"}, "/nonexistent/wn-dir");
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.err.contains("line 3") && r.err.contains("n09999999"), qPrintable(r.err));
    }

    void custom_taxonomy_and_its_cycle() {
        QTemporaryDir dir;
        const QString good = dir.filePath("good.tsv");
        write(good, "[classes]\ncat\ndog\n[edges]\ncat\tpet\ndog\tpet\npet\tanimal\n");
        const Run r = run_cli({"--custom", good, "--lch", "cat,dog", "--json"}, "/nonexistent");
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        QCOMPARE(json_of(r)["lch"].toObject()["id"].toString(), QString("pet"));
        QCOMPARE(json_of(r)["lch"].toObject()["depth"].toInt(), 1);

        const QString bad = dir.filePath("bad.tsv");
        write(bad, "[classes]\ncat\n[edges]\ncat\tpet\npet\tanimal\nanimal\tpet\n");
        const Run cycle = run_cli({"--custom", bad});
        QVERIFY(cycle.exit_code != 0);
        QVERIFY2(cycle.err.contains("cycle") && (cycle.err.contains("'pet' -> 'animal'") ||
                                                 cycle.err.contains("'animal' -> 'pet'")),
                 qPrintable(cycle.err));
    }

    void bad_queries_fail_cleanly() {
        QTemporaryDir dir;
        const QString good = dir.filePath("good.tsv");
        write(good, "[classes]\ncat\ndog\n[edges]\ncat\tpet\ndog\tpet\n");
        const Run lch = run_cli({"--custom", good, "--lch", "cat,unicorn"});
        QVERIFY(lch.exit_code != 0);
        QVERIFY2(lch.err.contains("unicorn"), qPrintable(lch.err));
        const Run path = run_cli({"--custom", good, "--path", "nowhere"});
        QVERIFY(path.exit_code != 0);
        QVERIFY2(path.err.contains("nowhere"), qPrintable(path.err));
        const Run none = run_cli({});
        QVERIFY(none.exit_code != 0);
        QVERIFY2(none.err.contains("--classes"), qPrintable(none.err));
    }
};

QTEST_APPLESS_MAIN(TestCliTaxonomy)
#include "test_cli_taxonomy.moc"
