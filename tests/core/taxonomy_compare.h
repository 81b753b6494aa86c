// Field-by-field comparison of two taxonomies, for round-trip tests.
#pragma once

#include <QtTest>

#include "core/taxonomy/taxonomy.h"

namespace taxoscope::test {

// Records a test failure (and returns early) at the first difference.
inline void expect_same_taxonomy(const core::Taxonomy& a, const core::Taxonomy& b) {
    QCOMPARE(a.node_count(), b.node_count());
    QCOMPARE(a.class_count(), b.class_count());
    QCOMPARE(a.origin().source, b.origin().source);
    QCOMPARE(a.origin().class_set, b.origin().class_set);
    for (int v = 0; v < a.node_count(); ++v) {
        QCOMPARE(a.node(v).id, b.node(v).id);
        QCOMPARE(a.node(v).name, b.node(v).name);
        QCOMPARE(a.node(v).lemmas, b.node(v).lemmas);
        QCOMPARE(a.node(v).gloss, b.node(v).gloss);
        QVERIFY(a.node(v).kind == b.node(v).kind);
        QCOMPARE(a.parents(v), b.parents(v));
        QCOMPARE(a.children(v), b.children(v));
        QCOMPARE(a.depth(v), b.depth(v));
        QCOMPARE(a.height(v), b.height(v));
        QVERIFY(a.classes_under(v) == b.classes_under(v));
    }
    for (int c = 0; c < a.class_count(); ++c) {
        QCOMPARE(a.class_info(c).id, b.class_info(c).id);
        QCOMPARE(a.class_info(c).name, b.class_info(c).name);
        QCOMPARE(a.class_leaf(c), b.class_leaf(c));
    }
}

}  // namespace taxoscope::test
