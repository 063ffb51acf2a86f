package org.mdlsae.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.ConfigException;
import org.mdlsae.data.Dataset;
import org.mdlsae.io.Npy;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.sae.Metrics;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.sweep.SweepResults;
import org.mdlsae.train.TrainListener;

/** The notebook facade end to end on a small file: one session, one back end, SAEs kept on the device. */
class MdlSaeTest {
    @TempDir
    Path tmp;

    private Dataset data() throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[400 * 10];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * (i % 4 == 0 ? 1 : 0.1));
        Path f = tmp.resolve("x.npy");
        Npy.write(f, x, 400, 10);
        return MdlSae.load(f);
    }

    @Test
    void trainEncodeDecodeEvaluateMeasureSaveLoad() throws Exception {
        Dataset data = data();
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        try (MdlSae m = MdlSae.open("cpu").progress(MdlSae.epochLines(new PrintStream(lines, true, StandardCharsets.UTF_8)))) {
            assertEquals("cpu", m.backend());
            MdlSae.Trained t = m.train(data, MdlSae.config("topk", 16, 4).withEpochs(3).withBatch(50));
            assertEquals(3, lines.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("epoch ")).count(), lines.toString());
            SaeWeights w = t.weights();

            MdlSae.Codes z = m.encode(w, data);
            assertEquals(400, z.n());
            assertTrue(z.l0() > 0 && z.l0() <= 4.0 + 1e-9, "TopK keeps at most k per row: " + z.l0());
            float[] xhat = m.decode(w, z);
            assertArrayEquals(xhat, m.reconstruct(w, data));
            double sse = 0;
            for (int i = 0; i < xhat.length; i++) sse += Math.pow(data.data()[i] - xhat[i], 2);
            Metrics q = m.evaluate(w, data);
            assertEquals(q.mse(), sse / xhat.length, 1e-6 * q.mse());
            assertTrue(q.fvu() < 1.0, "training should beat the mean predictor, fvu = " + q.fvu());
            assertEquals(1, m.uploadedCount(), "one SAE, uploaded once and kept");
            org.mdlsae.sae.FeatureCharacter f = m.features(w, data);
            assertEquals(q.deadFraction(), f.deadFraction(), 1e-12, "the same rows, the same dead latents");
            assertEquals(1, m.uploadedCount());

            DlReport dl = m.dl(w, data, data, q.mse() * 1.5);
            assertTrue(dl.admissible());
            assertEquals(q.mse(), dl.mse(), 1e-9);

            m.save(t, tmp.resolve("sae"));
            assertTrue(w.sameAs(MdlSae.loadSae(tmp.resolve("sae"))));
            JsonNode own = new ObjectMapper().readTree(tmp.resolve("sae/cfg.json").toFile()).get("mdlsae");
            assertEquals(3, own.get("train").get("epochs").asInt(), "the training record is saved with the SAE");
            assertTrue(Files.isRegularFile(tmp.resolve("sae/timings.json")));
            m.forget(w);
            assertEquals(0, m.uploadedCount());
        }
    }

    @Test
    void sweepWritesItsReportAndClosedSessionsRefuse() throws Exception {
        Dataset data = data();
        MdlSae m = MdlSae.open("cpu").progress(TrainListener.NONE);
        SweepResults r = m.sweep(data, data, List.of(4, 8), 0.02, MdlSae.config("topk", 4, 1).withEpochs(2).withBatch(100),
                tmp.resolve("sweep"));
        assertTrue(Files.isRegularFile(tmp.resolve("sweep/report.html")));
        assertEquals(List.of(4, 8), r.widths());
        m.close();
        assertThrows(IllegalStateException.class, () -> m.train(data, MdlSae.config("topk", 4, 1)));
    }

    @Test
    void configErrorsNameTheField() {
        ConfigException e = assertThrows(ConfigException.class, () -> MdlSae.config("topk", 16, 4).withLr(Double.NaN));
        assertEquals("TrainConfig.lr", e.field());
        assertTrue(e.getMessage().startsWith("TrainConfig.lr must be"), e.getMessage());
        assertEquals("TrainConfig.auxK", assertThrows(ConfigException.class,
                () -> MdlSae.config("topk", 16, 4).withAux(0.03, 0, null)).field());
        assertEquals("TrainConfig.deadSamples", assertThrows(ConfigException.class,
                () -> MdlSae.config("topk", 16, 4).withAux(0.03, null, 0L)).field());
    }
}
