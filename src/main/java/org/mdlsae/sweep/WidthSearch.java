package org.mdlsae.sweep;

import java.util.List;
import org.mdlsae.backend.Backend;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.sae.Metrics;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.train.Normalization;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.TrainListener;
import org.mdlsae.train.Trainer;

/**
 * The search of one width, self-contained (docs/design.md §10): the seam a distributed sweep runs on one executor per
 * width. {@link #anneal} depends only on its {@link Inputs} (and a back end), never on other widths' results, and is
 * deterministic: the same inputs give the same weights and the same {@link Outcome} on the CPU back end, wherever and
 * in whatever order the widths run. A driver collects the outcomes, measures each on the selection rows with
 * {@link #measure} (or lets the executor do it) and selects with {@code mdl.Selection} as {@link Sweep} does; the
 * per-run files, checkpoints and {@code results.json} are {@link Sweep}'s (a distributed driver may write its own).
 * Bisection ({@link SweepConfig.Search#BISECT}) is not such a unit: it warm-starts each width from the narrower one.
 */
public final class WidthSearch {
    private WidthSearch() {
    }

    /**
     * Everything one width's annealing search depends on.
     *
     * @param cfg     the sweep (training settings, k cap)
     * @param width   the width D
     * @param eps     ε as MSE in raw units (the sweep converts a FVU tolerance on the selection rows once)
     * @param train   the rows trained on: the sweep's training rows without the control rows
     * @param control the control rows ({@code data.HoldOut.control}): the schedule's measurements, never trained on
     * @param norm    the normalisation, estimated once on the sweep's training rows
     */
    public record Inputs(SweepConfig cfg, int width, double eps, Rows train, Rows control, Normalization norm) {
        /** The run's training config: the sweep's settings at this width, k = the start (largest) k. */
        public TrainConfig config() {
            return cfg.train().withShape(cfg.train().arch(), width, Math.min(width, cfg.kMax()));
        }
    }

    /**
     * The result of one width's training.
     *
     * @param result  the trained SAE (its k is the k the schedule chose) and the run's statistics
     * @param config  the run's training config ({@link Inputs#config()})
     * @param levels  the schedule's measured levels, in order
     */
    public record Outcome(Trainer.Result result, TrainConfig config, List<Anneal.Level> levels) {
    }

    /**
     * Trains the width once under the annealing schedule ({@link Anneal}).
     *
     * @param be          the back end
     * @param in          the inputs
     * @param checkpoints snapshot sink (null: none)
     * @param from        a snapshot of this same job to continue from (null: from the start)
     * @param listener    training progress (null: none)
     * @return the outcome
     */
    public static Outcome anneal(Backend be, Inputs in, Trainer.Checkpoints checkpoints, Trainer.State from,
                                 TrainListener listener) {
        TrainConfig tc = in.config();
        Anneal schedule = new Anneal(be, in.control(), in.eps(), tc.k(), tc.warmupFraction(), in.norm());
        Trainer trainer = new Trainer(be, tc, listener).kSchedule(schedule).checkpoints(checkpoints);
        Trainer.Result r = from == null ? trainer.train(in.train(), in.norm()) : trainer.resume(from, in.train(), in.norm());
        return new Outcome(r, tc, schedule.levels());
    }

    /**
     * Measures a trained SAE for the selection: B*, entropy DL and the reconstruction metrics on the selection rows,
     * with the quantiser calibrated on the training rows (docs/design.md §2.4).
     *
     * @param be     the back end
     * @param w      the SAE
     * @param tr     its training result (time)
     * @param epochs epochs it trained
     * @param rel    its directory relative to the sweep directory
     * @param eval   the selection rows
     * @param calib  the calibration rows
     * @param eps    ε (MSE)
     * @return the run's row of results.json
     */
    public static SweepRun measure(Backend be, SaeWeights w, Trainer.Result tr, int epochs, String rel, Rows eval,
                                   Rows calib, double eps) {
        try (Sae sae = Sae.upload(be, w)) {
            DlReport d = Mdl.of(sae, eval).calibration(calib).tolerance(eps).evaluate();
            Metrics m = Metrics.evaluate(sae, eval);
            return new SweepRun(w.width(), w.k(), epochs, tr.seconds(), eps - d.mse(), rel, false, d.bits(), d.dlBits(),
                    d.dlBoundBits(), d.denseBits() == null ? null : d.denseBits().doubleValue(), d.mse(), d.mseQuantized(),
                    d.fvu(), d.l0(), d.deadFraction(), w.width(), d.admissible(), m.msePerToken(),
                    finite(m.explainedVariance()), finite(m.cossim()), m.l2Ratio());
        }
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
