package org.mdlsae.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mdlsae.backend.Backend;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.train.PhaseListener;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.Trainer;

/**
 * Where a BatchTopK training step's time goes (AuxK off): the engine's own {@link Trainer} runs one step per epoch on
 * the shape's rows (batch = n), and its {@link PhaseListener} hook clocks every phase of every step, so the table
 * always describes the real step (including the batch copy, {@code load_batch}). Medians over the timed steps; the
 * sum of the medians is close to, not identical with, a step's median.
 */
final class StepPhases {
    private StepPhases() {
    }

    static Map<String, Object> run(Backend be, Shape s, float[] x, SaeWeights init, int warmup, int reps) {
        TrainConfig cfg = TrainConfig.defaults(Arch.BATCHTOPK, s.width(), s.k()).withBatch(s.n()).withEpochs(warmup + reps)
                .withAux(0, 0, 0);
        Map<String, double[]> times = new LinkedHashMap<>();
        PhaseListener clock = new PhaseListener() {
            private long step;
            private long last;

            @Override
            public void stepStarted(long st) {
                step = st;
                last = System.nanoTime();
            }

            @Override
            public void phaseEnded(String phase) {
                long now = System.nanoTime();
                int r = (int) (step - warmup - 1);
                if (r >= 0) times.computeIfAbsent(phase, p -> new double[reps])[r] = (now - last) / 1e9;
                last = now;
            }
        };
        new Trainer(be, cfg, null).phases(clock).train(init, x, s.n(), s.d());
        Map<String, Object> out = new LinkedHashMap<>();
        double total = 0;
        for (Map.Entry<String, double[]> e : times.entrySet()) {
            double median = new Stats(e.getValue()).median();
            out.put(e.getKey(), median);
            total += median;
        }
        out.put("sum_of_medians", total);
        return out;
    }
}
