package org.mdlsae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mdlsae.io.Npy;
import org.mdlsae.io.Python;

/**
 * {@code eval --json}'s {@code features} object (docs/design.md §11) equals a numpy computation from the saved weights and
 * the training data ({@code src/test/resources/interop/features_numpy.py}, which encodes with {@code sae_numpy.py}).
 */
class FeaturesNumpyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Non-negative rows built from a few parts (as digits are from strokes), with noise. */
    static float[] parts(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] part = new float[10][d];
        for (float[] p : part) for (int c = 0; c < d; c++) p[c] = r.nextDouble() < 0.25 ? (float) r.nextDouble() : 0f;
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            for (int m = 0; m < 3; m++) {
                float[] p = part[r.nextInt(part.length)];
                for (int c = 0; c < d; c++) x[i * d + c] += p[c];
            }
            for (int c = 0; c < d; c++) x[i * d + c] += (float) (0.02 * r.nextDouble());
        }
        return x;
    }

    @ParameterizedTest
    @ValueSource(strings = {"topk", "batchtopk"})
    void evalFeaturesEqualNumpyFromTheSavedWeightsAndTheTrainingData(String arch) throws Exception {
        Python.require();
        int n = 600, d = 16;
        Path npy = tmp.resolve("train.npy");
        Npy.write(npy, parts(n, d, 4), n, d);
        Path sae = tmp.resolve("sae");
        CliTest.Run t = CliTest.run("train", "--data", npy.toString(), "--arch", arch, "--width", "48", "--k", "3",
                "--epochs", "20", "--batch", "64", "--seed", "2", "--out", sae.toString(), "--quiet");
        assertEquals(0, t.code(), t.err());
        CliTest.Run e = CliTest.run("eval", "--sae", sae.toString(), "--data", npy.toString(), "--json");
        assertEquals(0, e.code(), e.err());
        JsonNode java = JSON.readTree(e.out()).get("features");
        Python.copy(tmp, "sae_numpy.py");
        JsonNode py = JSON.readTree(Python.run(tmp, "features_numpy.py", sae.toString(), npy.toString()));
        assertEquals(0, py.get("ambiguous").asInt(), "a latent's liveness rests on a near-tie: the exact comparison is void " + py);
        assertEquals(n, java.get("rows").asInt());
        assertEquals(py.get("live").asInt(), java.get("live").asInt(), "live: numpy " + py + ", java " + java);
        assertTrue(java.get("live").asInt() > 1 && java.get("live").asInt() < 48,
                "the SAE has both live and dead latents, so leaving the dead ones out is tested: " + java);
        assertEquals(py.get("dead_fraction").asDouble(), java.get("dead_fraction").asDouble(), 1e-12);
        for (String k : new String[] {"memorisation", "extent"}) {
            double a = py.get(k).asDouble(), b = java.get(k).asDouble();
            assertEquals(a, b, 1e-5 * Math.abs(a), k + ": numpy " + a + ", java " + b);
        }
    }
}
