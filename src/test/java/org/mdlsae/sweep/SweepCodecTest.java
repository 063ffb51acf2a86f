package org.mdlsae.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.codec.CodecSummary;
import org.mdlsae.codec.RateDistortion;
import org.mdlsae.codec.TwoPart;
import org.mdlsae.data.Dataset;
import org.mdlsae.report.SweepReport;

/** A complete sweep carries the codec's section: curves through each selected run's (B*, DL), two-part, comparison. */
class SweepCodecTest {
    @TempDir
    Path tmp;

    @Test
    void completeSweepCarriesCurvesTwoPartAndComparison() throws Exception {
        Dataset train = SweepTest.synthetic(800, 1), eval = SweepTest.synthetic(300, 2);
        double var = org.mdlsae.math.Stats.sumSqDeviation(eval.data(), eval.rows(), eval.dim()) / (300.0 * 16);
        Path dir = tmp.resolve("sweep");
        SweepResults r = new Sweep(new CpuBackend(), SweepTest.config(0.3 * var, 20), train, eval, "synthetic", dir, null)
                .compare(true, null).run();
        CodecSummary c = r.codec();
        assertNotNull(c);
        List<SweepRun> sel = r.runs().stream().filter(SweepRun::selected).toList();
        assertTrue(sel.size() >= 2, "two admissible widths at least");
        assertEquals(sel.size(), c.rateDistortion().size());
        for (int i = 0; i < sel.size(); i++) {
            SweepRun run = sel.get(i);
            RateDistortion.Curve curve = c.rateDistortion().get(i);
            assertEquals(run.width(), curve.width());
            RateDistortion.Point at = curve.points().get(run.bits() - 1);
            assertEquals(run.dlBits(), at.dlBits(), 0.0, "the curve passes through the run's DL at B*");
            assertEquals(run.mseQuantized(), at.mseQuantized(), 0.0);
            assertEquals(16, curve.points().size());
        }
        TwoPart.Table tp = c.twoPart();
        assertEquals(eval.rows(), tp.samples());
        assertEquals(0L, tp.entries().get(0).paysFrom());
        assertEquals(TwoPart.dictionaryBits(sel.get(0).width(), 16), tp.entries().get(0).dictionaryBits());
        assertEquals(sel.get(0).width(), tp.optimal().get(0).width(), "at N = 0 the smallest dictionary is optimal");
        assertNotNull(c.comparison());
        assertEquals(r.best().width(), c.comparison().width());

        JsonNode j = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertTrue(j.path("codec").path("rate_distortion").isArray());
        assertTrue(j.path("codec").path("two_part").path("optimal").isArray());
        String html = SweepReport.html(r, null);
        assertTrue(html.contains("id=\"chart-rd-dl\""), "the rate–distortion chart");
        assertTrue(html.contains("Two-part code"));
        assertTrue(html.contains("beside other codes"));
        // results written while the sweep runs carry no codec section
        assertNull(r.withCodec(null).codec());
    }

    @Test
    void twoPartBreakEvenAndEnvelope() {
        int d = 10;
        // dictionaries of 20, 40, 80 atoms: cost (D·10 + 10)·16 bits; DLs 30, 20, 25 bits per sample
        TwoPart.Table t = TwoPart.table(1000, d, new int[] {20, 40, 80}, new int[] {4, 3, 3}, new double[] {30, 20, 25});
        long c20 = TwoPart.dictionaryBits(20, d), c40 = TwoPart.dictionaryBits(40, d);
        assertEquals((long) Math.ceil((c40 - c20) / 10.0), t.entries().get(1).paysFrom());
        assertNull(t.entries().get(2).paysFrom(), "80 never beats 40 (larger dictionary, larger DL)");
        assertEquals(2, t.optimal().size());
        assertEquals(20, t.optimal().get(0).width());
        assertEquals(40, t.optimal().get(1).width());
        assertEquals(t.entries().get(1).paysFrom(), t.optimal().get(1).fromSamples());
        assertEquals(c20 + 1000 * 30.0, t.entries().get(0).totalBits(), 0.0);
    }
}
