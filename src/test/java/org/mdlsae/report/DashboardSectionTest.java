package org.mdlsae.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mdlsae.features.TokenDashboard;

/** The token dashboards' HTML: escaped tokens, word pieces joined, the maximum marked, shading, dead ranges. */
class DashboardSectionTest {
    @Test
    void rendersContextsWithTheirActivations() {
        TokenDashboard.Context c = new TokenDashboard.Context(17, 3, 2, 2, List.of("the", "rap", "##port", "<b>"),
                new float[] {0, 1f, 4f, 2f});
        TokenDashboard.Feature f = new TokenDashboard.Feature(7, "most used", 50, 0.25, 4f, 1.5,
                new long[] {5, 0, 10}, List.of(c));
        TokenDashboard d = new TokenDashboard("acts", 200, 12, List.of(0, 1, 2, 3, 7, 9, 10), new long[] {1, 4, 0, 0, 0, 0, 0, 0},
                List.of(f));
        String html = SweepReport.render(SweepReportTest.sweep(), new SweepReport.Extras(null, false, null, d, "D = 12, k = 3"));
        String s = html.substring(html.indexOf("<h2 id=\"dashboards\">"));
        assertTrue(s.startsWith("<h2 id=\"dashboards\">Token dashboards: D = 12, k = 3</h2>"));
        assertTrue(s.contains("Dead features</b> (never fire on these rows): 7 — 0–3, 7, 9–10"), s);
        assertTrue(s.contains("[10<sup>−1</sup>, 1): 1, [10<sup>−2</sup>, 10<sup>−1</sup>): 4"), s);
        assertTrue(s.contains("density 25.0% (50 tokens), max 4.00, mean when active 1.50"), s);
        // "rap ##port" is shown as one word; the maximum (4.00) is the focus at full shade; "<b>" is escaped
        assertTrue(s.contains("rap</span><span class=\"tok focus\" title=\"4.00\" style=\"background: rgba(255,110,0,1.00)\">port</span>"), s);
        assertTrue(s.contains(">&lt;b&gt;</span>"), s);
        assertFalse(s.contains("<b></span>"));
        assertTrue(s.contains("<li title=\"document 3, context 2, row 17\">4.00: "), s);
        assertEquals(3 + 1, s.split("<rect ", -1).length - 1, "the background and one bar per bin");
    }
}
