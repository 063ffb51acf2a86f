package org.mdlsae.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.sweep.SweepResults;
import org.mdlsae.sae.FeatureCharacter;
import org.mdlsae.sweep.Regimes;
import org.mdlsae.sweep.SweepRun;
import org.mdlsae.sweep.WidthSummary;

class SweepReportTest {

    private static final int D = 784;
    private static final double EPS = 0.015;

    @TempDir
    Path tmp;

    // ---------------------------------------------------------------------------------- synthetic sweep

    /** An admissible run: B*, DL and the bound derived as the engine would report them. */
    private static SweepRun ok(int width, int k, double l0, double mse, int bits, double dl, boolean selected) {
        double bound = l0 * (bits + Math.log(width) / Math.log(2));
        return new SweepRun(width, k, 3, 1.5, EPS - mse, "w" + width + "_k" + k, selected, bits, dl, bound,
                (double) D * bits, mse, mse + 0.0004, mse / 0.068, l0, 0.02, width, true);
    }

    private static SweepRun miss(int width, int k, double mse) {
        return new SweepRun(width, k, 3, 1.2, EPS - mse, "w" + width + "_k" + k, false, null, null, null, null, mse,
                null, mse / 0.068, k, 0.0, width, false);
    }

    /**
     * Widths 8, 16 inadmissible; 32, 64, 128 admissible with a U-shaped DL (optimum at 64); 256 in the grid
     * but not trained yet.
     */
    static SweepResults sweep() {
        List<SweepRun> runs = new ArrayList<>();
        runs.add(miss(8, 4, 0.041));
        runs.add(miss(8, 8, 0.032));
        runs.add(miss(16, 8, 0.024));
        runs.add(miss(16, 16, 0.0171));
        runs.add(miss(32, 16, 0.0172));
        runs.add(ok(32, 24, 24.0, 0.0146, 6, 218.4, true));
        runs.add(ok(32, 32, 32.0, 0.0121, 6, 260.0, false));
        runs.add(miss(64, 8, 0.0201));
        runs.add(ok(64, 12, 11.8, 0.0148, 6, 123.4, true));
        runs.add(ok(64, 16, 15.9, 0.0129, 6, 160.2, false));
        runs.add(miss(128, 6, 0.0188));
        runs.add(ok(128, 10, 10.0, 0.0143, 7, 131.7, true));
        SweepRun best = runs.get(8);
        return new SweepResults("mnist", D, EPS, 0.2206, "topk", List.of(8, 16, 32, 64, 128, 256), runs, best,
                3725.0, null);
    }

    /** Decoder rows that look like short oriented strokes (so the sample report is easy to eyeball). */
    static SaeWeights weights(SweepRun run) {
        int w = run.width();
        Random rnd = new Random(31L * w + run.k());
        float[] dec = new float[w * D];
        for (int j = 0; j < w; j++) {
            double cx = 6 + rnd.nextDouble() * 16, cy = 6 + rnd.nextDouble() * 16;
            double th = rnd.nextDouble() * Math.PI, len = 3 + rnd.nextDouble() * 5;
            double c = Math.cos(th), s = Math.sin(th);
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    double u = (x - cx) * c + (y - cy) * s, v = -(x - cx) * s + (y - cy) * c;
                    double stroke = Math.exp(-(u * u) / (2 * len * len) - v * v / 2.0);
                    double halo = 0.35 * Math.exp(-(u * u) / (2 * len * len) - v * v / 18.0);
                    dec[j * D + y * 28 + x] = (float) (stroke - halo + 0.03 * rnd.nextGaussian());
                }
            }
        }
        float[] enc = new float[w * D];
        return new SaeWeights(Arch.TOPK, D, w, run.k(), Float.NaN, enc, new float[w], dec, new float[D]);
    }

    private static final Pattern IMG =
            Pattern.compile("<img[^>]*\\bid=\"([^\"]+)\"[^>]*\\bsrc=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");

    private static Map<String, BufferedImage> images(String html) throws IOException {
        Map<String, BufferedImage> m = new HashMap<>();
        Matcher mt = IMG.matcher(html);
        while (mt.find()) {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(mt.group(2))));
            assertNotNull(img, "image " + mt.group(1) + " does not decode");
            assertFalse(m.containsKey(mt.group(1)), "duplicate id " + mt.group(1));
            m.put(mt.group(1), img);
        }
        return m;
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    // ---------------------------------------------------------------------------------- tests

    @Test
    void writesSelfContainedReport() throws IOException {
        Path file = tmp.resolve("report.html");
        AtomicInteger loads = new AtomicInteger();
        SweepReport.write(file, sweep(), run -> {
            loads.incrementAndGet();
            return weights(run);
        });
        assertEquals(List.of("report.html"), listing());
        String html = Files.readString(file);

        String sample = System.getProperty("mdlsae.report.sample");
        if (sample != null && !sample.isBlank()) {
            Files.copy(file, Paths.get(sample), StandardCopyOption.REPLACE_EXISTING);
        }

        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.strip().endsWith("</html>"));
        for (String s : List.of("id=\"selected\"", "id=\"dl\"", "id=\"rd\"", "id=\"precision\"", "id=\"table\"",
                "<details id=\"all-runs\">", "id=\"features\"", "What MDL selection means")) {
            assertTrue(html.contains(s), "missing " + s);
        }
        for (String s : List.of("<script", "<link", "http://", "https://", "url(")) {
            assertFalse(html.contains(s), "external resource or script: " + s);
        }
        // header
        assertTrue(html.contains("mnist"));
        assertTrue(html.contains("<td>0.015 &nbsp;(FVU 0.2206)"), "ε and its FVU");
        assertTrue(html.contains("1 h 02 min"), "sweep time");
        // the selected run's numbers in its sentence
        assertTrue(html.contains("<b>D = 64</b> and <b>k = 12</b> (L0 = 11.80"), html);
        assertTrue(html.contains("<b>B* = 6 bits</b>"));
        assertTrue(html.contains("<b>123.4 bits per sample</b>"));
        assertTrue(html.contains("4704 bits for the dense code d·B* = 784·6"));
        assertTrue(html.contains("(97.4% fewer)"));
        assertTrue(html.contains("<tr class=\"best\"><td>64 ★</td><td>12</td>"));
        // inadmissible and untrained widths are listed
        assertTrue(html.contains("D = 8: best MSE 0.03200"));
        assertTrue(html.contains("D = 16: best MSE 0.01710"));
        assertTrue(html.contains("D = 256: not trained yet"));
        // every run is in the collapsible table
        assertEquals(12 + 1, count(html.substring(html.indexOf("<details")), "<tr"));

        // images: three charts and three feature grids (optimum, narrowest, widest admissible)
        assertEquals(3, loads.get());
        Map<String, BufferedImage> img = images(html);
        assertEquals(6, img.size(), img.keySet().toString());
        for (String id : List.of("chart-dl", "chart-rd", "chart-precision")) {
            assertEquals(SweepReport.CHART_WIDTH, img.get(id).getWidth(), id);
            assertEquals(SweepReport.CHART_HEIGHT, img.get(id).getHeight(), id);
        }
        int cols = SweepReport.FEATURE_COLUMNS, sc = SweepReport.FEATURE_SCALE;
        assertGrid(img.get("features-64-12"), 64, cols, sc);
        assertGrid(img.get("features-32-24"), 32, cols, sc); // narrowest admissible has only 32 features
        assertGrid(img.get("features-128-10"), 64, cols, sc);
        assertTrue(html.indexOf("features-32-24") < html.indexOf("features-64-12")
                && html.indexOf("features-64-12") < html.indexOf("features-128-10"), "narrow to wide");
    }

    private static void assertGrid(BufferedImage img, int n, int cols, int scale) {
        assertNotNull(img);
        assertEquals(FeatureImages.gridWidth(n, 28, cols, scale), img.getWidth());
        assertEquals(FeatureImages.gridHeight(n, 28, cols, scale), img.getHeight());
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) n++;
        return n;
    }

    @Test
    void optimumThatIsAlsoNarrowestIsDrawnOnce() throws IOException {
        SweepResults r = sweep();
        List<SweepRun> runs = r.runs().stream().filter(x -> x.width() != 32).toList();
        r = new SweepResults(r.data(), r.dIn(), r.eps(), r.epsFvu(), r.arch(), r.widths(), runs, r.best(), 10, null);
        AtomicInteger loads = new AtomicInteger();
        String html = SweepReport.html(r, run -> {
            loads.incrementAndGet();
            return weights(run);
        });
        assertEquals(2, loads.get());
        assertTrue(html.contains("Narrowest admissible, also the ε-MDL optimum: D = 64, k = 12"), html);
        assertEquals(5, images(html).size());
    }

    /**
     * A sweep with three seeds and measured features (docs/design.md §11): the DL curve with each seed's point, the
     * regime chart and table, the stability sentence, and feature grids by usage with the dead latents left out and
     * counted.
     */
    @Test
    void regimesSeedsAndFeatureGridsByUsage() throws IOException {
        List<Long> seeds = List.of(0L, 1L, 2L);
        List<SweepRun> runs = new ArrayList<>();
        List<WidthSummary> byWidth = new ArrayList<>();
        int[] widths = {32, 64, 128};
        double[][] dl = {{218, 220, 216}, {123, 125, 130}, {131, 128, 126}};
        String[] regime = {"D", "B", "A"};
        for (int i = 0; i < 3; i++) {
            for (int s = 0; s < 3; s++) {
                runs.add(new SweepRun(widths[i], 12, 80, 1, 0.0004, "w" + widths[i] + "_s" + s, true, 6, dl[i][s], 140.0,
                        4704.0, 0.0146, 0.015, 0.21, 12, 0.1, widths[i], true, null, null, null, null, (long) s,
                        new FeatureCharacter(800, widths[i] - 4, 4.0 / widths[i], 0.4 + 0.2 * i, 0.2 - 0.05 * i, null), null));
            }
            double mean = (dl[i][0] + dl[i][1] + dl[i][2]) / 3;
            byWidth.add(new WidthSummary(widths[i], 3, 3, true, mean, 2.0, dl[i][0] - 2, dl[i][2] + 4,
                    List.of(dl[i][0], dl[i][1], dl[i][2]), List.of(12, 12, 12), 12.0, 0.0146, 80.0, 0.4 + 0.2 * i,
                    0.2 - 0.05 * i, 4.0 / widths[i], regime[i]));
        }
        SweepRun best = runs.get(3); // D = 64, seed 0
        SweepResults r = new SweepResults("mnist", D, EPS, 0.22, "batchtopk", List.of(32, 64, 128), runs, best, 60, true,
                List.of(), null, null, null, seeds, "the rule", byWidth, List.of(64, 64, 128), false,
                Regimes.Criteria.of(0.13));
        // usage: latent j is used j times, so the four latents 0–3 are dead and the most used latent is the last
        Function<SweepRun, FeatureCharacter> usage = run -> {
            long[] u = new long[run.width()];
            for (int j = 0; j < u.length; j++) u[j] = j < 4 ? 0 : j;
            return new FeatureCharacter(800, run.width() - 4, 4.0 / run.width(), 0.5, 0.1, u);
        };
        Path file = tmp.resolve("seeds.html");
        SweepReport.write(file, r, new SweepReport.Extras(SweepReportTest::weights, true, usage, null, null));
        String html = Files.readString(file);
        Map<String, BufferedImage> img = images(html);
        assertTrue(img.containsKey("chart-regimes"), img.keySet().toString());
        assertTrue(html.contains("id=\"by-width\""));
        assertTrue(html.contains("not stable across the 3 seeds</b>: each seed alone selects seed 0: D = 64, seed 1: D = 64, "
                + "seed 2: D = 128"), html);
        assertTrue(html.contains("<td>64 ★</td><td>12, 12, 12</td><td>126.0</td>"), "the optimum's mean DL");
        assertTrue(html.contains("this engine&#39;s criteria"), "the labels are said to be the engine's");
        // the grids: the 60 live features of D = 64 (4 dead left out and counted), labelled with their regime
        assertTrue(html.contains("ε-MDL optimum: D = 64, k = 12, regime B: the 60 most used of 60 live features on 800 "
                + "training rows; 4 dead latents (6.3%) left out"), html);
        assertTrue(html.contains("Widest admissible: D = 128, k = 12, regime A: the 64 most used of 124 live features"));
        assertGrid(img.get("features-64-12"), 60, SweepReport.FEATURE_COLUMNS, SweepReport.FEATURE_SCALE);
        assertGrid(img.get("features-128-12"), 64, SweepReport.FEATURE_COLUMNS, SweepReport.FEATURE_SCALE);
        // the first tile is the most used latent (the last one): same pixels as drawing that latent alone
        SaeWeights w = weights(best);
        float[] last = java.util.Arrays.copyOfRange(w.dec(), 63 * D, 64 * D);
        BufferedImage alone = FeatureImages.image(last, 1, D, 28, 1, SweepReport.FEATURE_SCALE);
        BufferedImage grid = img.get("features-64-12");
        for (int y = 0; y < alone.getHeight(); y++) {
            for (int x = 0; x < alone.getWidth(); x++) assertEquals(alone.getRGB(x, y), grid.getRGB(x, y), "pixel " + x + "," + y);
        }
    }

    @Test
    void failingDecoderLeavesNoPartialReport() throws IOException {
        Path file = tmp.resolve("report.html");
        Function<SweepRun, SaeWeights> broken = run -> {
            throw new IllegalStateException("cannot read " + run.dir());
        };
        assertThrows(IllegalStateException.class, () -> SweepReport.write(file, sweep(), broken));
        assertEquals(List.of(), listing(), "no report and no temporary file");

        Files.writeString(file, "previous report");
        assertThrows(IllegalStateException.class, () -> SweepReport.write(file, sweep(), broken));
        assertEquals(List.of("report.html"), listing());
        assertEquals("previous report", Files.readString(file), "an existing report is untouched");

        SweepReport.write(file, sweep(), SweepReportTest::weights); // and a good write replaces it
        assertEquals(List.of("report.html"), listing());
        assertTrue(Files.readString(file).startsWith("<!DOCTYPE html>"));
    }

    @Test
    void mismatchedWeightsAreRejected() {
        Path file = tmp.resolve("report.html");
        Function<SweepRun, SaeWeights> wrong = run -> new SaeWeights(Arch.TOPK, 100, 4, 1, Float.NaN,
                new float[400], new float[4], new float[400], new float[100]);
        assertThrows(IllegalArgumentException.class, () -> SweepReport.write(file, sweep(), wrong));
        assertFalse(Files.exists(file));
    }

    @Test
    void nonSquareInputSkipsFeatureImages() throws IOException {
        SweepResults r = sweep();
        r = new SweepResults("gpt2-l6", 768, r.eps(), r.epsFvu(), "batchtopk", r.widths(), r.runs(), r.best(), 42, null);
        Path file = tmp.resolve("sub/dir/report.html");
        SweepReport.write(file, r, run -> {
            throw new AssertionError("weights must not be loaded for non-square d");
        });
        String html = Files.readString(file);
        assertTrue(html.contains("d = 768 is not a perfect square"));
        assertEquals(3, images(html).size());
        assertTrue(html.contains("42.0 s"));
    }

    @Test
    void squareRowsThatAreNotImagesGetNoPictures() {
        String html = SweepReport.render(sweep(), new SweepReport.Extras(run -> {
            throw new AssertionError("weights must not be loaded for rows that are not images");
        }, false, null, null, null));
        assertFalse(html.contains("id=\"features\""));
    }

    @Test
    void unavailableWeightsAreSaidSo() throws IOException {
        String html = SweepReport.html(sweep(), run -> null);
        assertTrue(html.contains("weights not available (w64_k12)"));
        assertEquals(3, images(html).size());
        assertTrue(SweepReport.html(sweep(), null).contains("No SAE weights were supplied"));
    }

    @Test
    void noAdmissibleRunStillReports() throws IOException {
        SweepResults r = sweep();
        List<SweepRun> runs = r.runs().stream().filter(x -> !x.admissible()).toList();
        r = new SweepResults("mnist", D, EPS, 0.22, "topk", List.of(8, 16, 32, 64, 128), runs, null, 5, null);
        String html = SweepReport.html(r, run -> {
            throw new AssertionError("nothing to draw");
        });
        assertTrue(html.contains("No SAE in this sweep reconstructs within ε"));
        assertTrue(html.contains("No width is admissible"));
        Map<String, BufferedImage> img = images(html);
        assertTrue(img.containsKey("chart-rd"));
        assertFalse(img.containsKey("chart-dl"));
    }

    @Test
    void emptySweepAndHostileNamesRender() {
        SweepResults r = new SweepResults("<b>x</b>&\"", 784, EPS, 0.2, "topk", List.of(), List.of(), null, 0, null);
        String html = SweepReport.html(r, null);
        assertTrue(html.contains("&lt;b&gt;x&lt;/b&gt;&amp;&quot;"));
        assertFalse(html.contains("<b>x</b>"));
    }

    @Test
    void durations() {
        assertEquals("0.5 s", Html.duration(0.5));
        assertEquals("3 min 07 s", Html.duration(187));
        assertEquals("2 h 05 min", Html.duration(7500));
        assertEquals("–", Html.duration(Double.NaN));
    }
}
