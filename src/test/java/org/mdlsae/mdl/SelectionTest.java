package org.mdlsae.mdl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mdlsae.mdl.Selection.Entry;

class SelectionTest {
    @Test
    void picksMinimumDlAmongAdmissible() {
        List<Entry> all = List.of(
                new Entry(32, 32, false, null),          // inadmissible (narrow)
                new Entry(64, 20, true, 140.0),
                new Entry(128, 12, true, 118.5),        // the optimum
                new Entry(256, 8, true, 125.0),
                new Entry(1024, 4, false, 90.0));        // inadmissible: ignored even though its DL is lower
        assertSame(all.get(2), Selection.best(all).orElseThrow());
        assertEquals(2, Selection.bestIndex(all));
    }

    @Test
    void tiesGoToNarrowerThenSmallerK() {
        Entry a = new Entry(256, 8, true, 100.0), b = new Entry(128, 16, true, 100.0), c = new Entry(128, 12, true, 100.0);
        assertSame(c, Selection.best(List.of(a, b, c)).orElseThrow());
        assertSame(c, Selection.best(List.of(c, b, a)).orElseThrow());
    }

    @Test
    void emptyWhenNoneAdmissible() {
        assertTrue(Selection.best(List.of(new Entry(32, 32, false, null))).isEmpty());
        assertTrue(Selection.best(new ArrayList<Entry>()).isEmpty());
        assertTrue(Selection.best(null).isEmpty());
        assertEquals(-1, Selection.bestIndex(List.of(new Entry(8, 8, true, null))));
    }
}
