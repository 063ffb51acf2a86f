package org.mdlsae.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;

/**
 * The ops of one BatchTopK training step (the sequence of {@code train.TrainStep} and {@code Trainer}, AuxK off),
 * issued one by one through the public {@link Backend} API with a clock around each, to show where a step's time
 * goes. The sum is close to, not identical with, the trainer's step (no listener, no batch copy).
 */
final class StepPhases {
    static final String[] PHASES = {"encode_gemm", "batchtopk_threshold", "extract_code", "decode", "residual",
        "zero_grads", "decode_backward", "encode_backward", "count_active", "remove_parallel_grad", "adam_x4",
        "normalise_rows"};

    private StepPhases() {
    }

    static Map<String, Object> run(Backend be, Shape s, float[] x, SaeWeights init, int warmup, int reps) {
        int n = s.n(), d = s.d(), width = s.width();
        long wd = (long) width * d, rd = (long) n * d;
        double[][] t = new double[PHASES.length][reps];
        try (Sae sae = Sae.upload(be, init);
             FloatBuf xb = be.upload(x);
             FloatBuf pre = be.floats((long) n * width);
             FloatBuf xhat = be.floats(rd); FloatBuf g = be.floats(rd);
             FloatBuf gEnc = be.floats(wd); FloatBuf gDec = be.floats(wd);
             FloatBuf gBEnc = be.floats(width); FloatBuf gBDec = be.floats(d);
             FloatBuf mE = be.floats(wd); FloatBuf vE = be.floats(wd); FloatBuf mD = be.floats(wd); FloatBuf vD = be.floats(wd);
             FloatBuf mBE = be.floats(width); FloatBuf vBE = be.floats(width); FloatBuf mBD = be.floats(d); FloatBuf vBD = be.floats(d);
             IntBuf counts = be.ints(width)) {
            for (int it = 0; it < warmup + reps; it++) {
                int r = it - warmup;
                long[] c = new long[PHASES.length + 1];
                int p = 0;
                c[p++] = System.nanoTime();
                be.encode(xb, sae.bDec(), sae.enc(), sae.bEnc(), n, d, width, pre);
                c[p++] = System.nanoTime();
                float m = be.kthLargestPositive(pre, (long) n * width, (long) s.k() * n);
                c[p++] = System.nanoTime();
                SparseCode z = Sae.threshold(be, pre, n, width, Float.isFinite(m) ? m : Float.MAX_VALUE, false);
                c[p++] = System.nanoTime();
                sae.decode(z, xhat);
                c[p++] = System.nanoTime();
                be.residual(xb, xhat, rd, 2f / n, g);
                c[p++] = System.nanoTime();
                be.fill(gEnc, 0f);
                be.fill(gBEnc, 0f);
                be.fill(gDec, 0f);
                be.fill(gBDec, 0f);
                c[p++] = System.nanoTime();
                try (FloatBuf gz = be.floats(Math.max(1, z.nnz()))) {
                    be.decodeBackward(z, g, sae.dec(), d, gDec, gz, gBDec);
                    c[p++] = System.nanoTime();
                    be.encodeBackward(z, gz, xb, sae.bDec(), sae.enc(), d, gEnc, gBEnc, gBDec);
                    c[p++] = System.nanoTime();
                }
                be.fill(counts, 0);
                be.countActive(z, counts);
                be.download(counts);
                z.close();
                c[p++] = System.nanoTime();
                be.removeParallelGrad(sae.dec(), gDec, width, d);
                c[p++] = System.nanoTime();
                int step = it + 1;
                float lr = 1e-4f;
                be.adamStep(sae.enc(), gEnc, mE, vE, wd, lr, 0.9f, 0.999f, 1e-8f, step);
                be.adamStep(sae.bEnc(), gBEnc, mBE, vBE, width, lr, 0.9f, 0.999f, 1e-8f, step);
                be.adamStep(sae.dec(), gDec, mD, vD, wd, lr, 0.9f, 0.999f, 1e-8f, step);
                be.adamStep(sae.bDec(), gBDec, mBD, vBD, d, lr, 0.9f, 0.999f, 1e-8f, step);
                c[p++] = System.nanoTime();
                be.normaliseRows(sae.dec(), width, d);
                c[p] = System.nanoTime();
                if (r >= 0) for (int q = 0; q < PHASES.length; q++) t[q][r] = (c[q + 1] - c[q]) / 1e9;
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        double total = 0;
        for (int q = 0; q < PHASES.length; q++) {
            Stats st = new Stats(t[q]);
            out.put(PHASES[q], st.median());
            total += st.median();
        }
        out.put("sum_of_medians", total);
        return out;
    }
}
