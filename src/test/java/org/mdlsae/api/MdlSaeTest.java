package org.mdlsae.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.data.Dataset;
import org.mdlsae.io.Npy;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.sae.Metrics;
import org.mdlsae.sae.SaeWeights;

/** The notebook facade end to end on a small file. */
class MdlSaeTest {
    @TempDir
    Path tmp;

    @Test
    void trainEvaluateMeasureSaveLoad() throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[400 * 10];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        Path f = tmp.resolve("x.npy");
        Npy.write(f, x, 400, 10);
        Dataset data = MdlSae.load(f);
        SaeWeights w = MdlSae.train(data, MdlSae.config("topk", 16, 4).withEpochs(3).withBatch(50));
        Metrics m = MdlSae.evaluate(w, data);
        assertTrue(m.fvu() < 1.0, "training should beat the mean predictor, fvu = " + m.fvu());
        DlReport dl = MdlSae.dl(w, data, data, m.mse() * 1.5);
        assertTrue(dl.admissible());
        assertEquals(m.mse(), dl.mse(), 1e-9);
        MdlSae.save(w, tmp.resolve("sae"));
        assertTrue(w.sameAs(MdlSae.loadSae(tmp.resolve("sae"))));
    }
}
