package org.mdlsae.sweep;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.train.KSchedule;
import org.mdlsae.train.LrSchedule;
import org.mdlsae.train.Normalization;

/**
 * The annealing k schedule of one width (docs/design.md §10): one training lands on the k of least description length
 * among those meeting ε. The run has two learning-rate cycles with the config's shape (warm-up, constant, decay):
 * a descent of {@value #DESCENT} of the config's steps, then the config's steps themselves at the chosen k.
 *
 * <p>Descent: the run starts at the largest k allowed. After the warm-up, every {@code period} steps the SAE as it
 * stands is measured on the control rows (held out from training, never the selection's rows): its quantised MSE at
 * each precision, B* and the entropy DL at B*, against the working tolerance ε/{@value #SLACK}. A level is
 * <em>accepted</em> when it meets that tolerance and either needs no more bits B* than the last accepted level or
 * codes in no more DL; then k is lowered to ⌈k·r⌉ (at least by one) with r = (MSE/ε)⁴ clamped to
 * [{@value #MIN_RATIO}, {@value #MAX_RATIO}]: big steps while there is much headroom, small ones near ε. A level that
 * is not accepted is held (the SAE keeps improving and may meet it a period later). At the end of the descent, after
 * its learning-rate decay, the SAE is measured once more; the k it stands at is kept if it is accepted, else the last
 * accepted k is taken.
 *
 * <p>Fine-tuning: the config's steps, with the config's learning-rate schedule, at the chosen k. So the chosen k is
 * trained for a whole budget, from the descent's weights: every change of k costs an SAE some of what it learned, and
 * a k reached late in one cycle would be trained at for only a few steps (on MNIST an SAE whose k was lowered over the
 * first half of its steps had 10 % more MSE than one trained at that k throughout). Why the slack: an SAE measured
 * before the end of its training is not yet what it will be (on MNIST its MSE at a fixed k falls by 10–15 % in the
 * second half and the decay), so requiring ε itself in the descent would stop it at too large a k. The slack is
 * checked: at {@value #CHECK_AT} of the fine-tuning the SAE is measured against ε itself, and if it misses, k is raised
 * by a tenth (at least one) for the last steps — more latents lower the MSE at once. The smallest k meeting ε often
 * leaves so little headroom that B* must be large, and a slightly larger k codes in fewer bits; the DL test stops the
 * descent at the larger k then. Until some level is accepted the start k is held (early in training every k misses);
 * if none is, the run finishes at the start k and the selection rows decide admissibility.
 *
 * <p>Deterministic: the decisions depend only on the run's weights and the control rows. Its state (levels, phase,
 * current k) goes into checkpoints as JSON.
 */
public final class Anneal implements KSchedule {
    private static final Logger LOG = Logger.getLogger(Anneal.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Steps of the descent cycle, as a fraction of the config's steps. */
    public static final double DESCENT = 0.5;
    /** Fraction of the fine-tuning steps at which the chosen k is checked against ε itself. */
    public static final double CHECK_AT = 0.9;
    /** The descent's working tolerance is ε/SLACK (the SAE improves after the descent). */
    public static final double SLACK = 0.75;
    /** Measurements planned in the descent window (it sets the period). */
    public static final int PERIODS = 16;
    /** Bounds of the factor k is lowered by at an accepted level. */
    static final double MIN_RATIO = 0.7;
    static final double MAX_RATIO = 0.9;

    /**
     * One measured level.
     *
     * @param k            k of the level
     * @param step         the step after which it was measured
     * @param admissible   met ε on the control rows (some B ≤ 16)
     * @param mse          unquantised MSE on the control rows
     * @param mseQuantized MSE at B* (null when not admissible)
     * @param bits         B* (null when not admissible)
     * @param dlBits       entropy DL at B*, bits per sample (null when not admissible)
     */
    public record Level(@JsonProperty("k") int k, @JsonProperty("step") long step,
                        @JsonProperty("admissible") boolean admissible, @JsonProperty("mse") double mse,
                        @JsonProperty("mse_quantized") Double mseQuantized, @JsonProperty("bits") Integer bits,
                        @JsonProperty("dl_bits") Double dlBits) {
    }

    /** The schedule's state (checkpointed). */
    record State(@JsonProperty("k") int k, @JsonProperty("phase") int phase,
                 @JsonProperty("level_start") long levelStart, @JsonProperty("accepted") Level accepted,
                 @JsonProperty("levels") List<Level> levels) {
    }

    private final Backend be;
    private final Rows control;
    private final double eps;
    private final int kStart;
    private final double warmupFraction;
    private final Normalization norm;
    private int k;
    /** The config's steps (the fine-tuning's), told by the trainer through {@link #steps}. */
    private long configSteps = -1;
    /** 0: descent, 1: fine-tuning before the check, 2: after the check. */
    private int phase;
    private long levelStart = -1;
    /** The last accepted level (null before the first). */
    private Level accepted;
    private final List<Level> levels = new ArrayList<>();

    /**
     * @param be             where the control measurements run (the trainer's back end)
     * @param control        the control rows (raw units)
     * @param eps            ε, MSE in raw units
     * @param kStart         the first k (the largest the run may use)
     * @param warmupFraction the run's learning-rate warm-up fraction: the first measurement follows it
     * @param norm           the run's normalisation (the SAE is folded to raw units before it is measured)
     */
    public Anneal(Backend be, Rows control, double eps, int kStart, double warmupFraction, Normalization norm) {
        this.be = be;
        this.control = control;
        this.eps = eps;
        this.kStart = kStart;
        this.warmupFraction = warmupFraction;
        this.norm = norm;
        this.k = kStart;
    }

    @Override
    public int k() {
        return k;
    }

    /** The levels measured so far, in order. */
    public List<Level> levels() {
        return List.copyOf(levels);
    }

    /** Steps of the descent for a config of {@code configSteps} steps. */
    static long descentSteps(long configSteps) {
        return (long) Math.ceil(DESCENT * configSteps);
    }

    @Override
    public long steps(long configSteps) {
        this.configSteps = configSteps;
        return descentSteps(configSteps) + configSteps;
    }

    @Override
    public double lr(long step, LrSchedule config) {
        long descent = descentSteps(config.steps());
        if (step > descent) return config.at(step - descent);
        return new LrSchedule(config.peak(), descent, config.warmupFraction(), config.decayFraction()).at(step);
    }

    @Override
    public boolean afterStep(long step, long steps, Supplier<SaeWeights> current) {
        if (configSteps < 0) throw new IllegalStateException("the trainer did not ask for the run's steps");
        long descent = descentSteps(configSteps);
        if (phase == 2) return false;
        if (phase == 1) {
            if (step < descent + (long) Math.ceil(CHECK_AT * configSteps)) return false;
            phase = 2;
            DlReport r = measure(current.get(), eps);
            levels.add(level(r, step));
            if (r.admissible()) return false;
            return move(Math.min(kStart, k + Math.max(1, (int) Math.round(0.1 * k))));
        }
        long warm = (long) Math.ceil(warmupFraction * descent);
        long period = Math.max(2, (descent - warm + PERIODS - 1) / PERIODS);
        if (levelStart < 0) levelStart = warm;
        boolean last = step >= descent;
        if (!last && step - levelStart < period) return false;
        levelStart = step;
        DlReport r = measure(current.get(), eps / SLACK);
        Level lv = level(r, step);
        levels.add(lv);
        boolean accept = r.admissible() && (accepted == null || accepted.k() == k || lv.bits() <= accepted.bits()
                || lv.dlBits() <= accepted.dlBits());
        if (accept) accepted = lv;
        if (last) {
            phase = 1;
            int chosen = accepted == null ? k : accepted.k();
            LOG.fine(() -> "anneal: fine-tuning at k = " + chosen + " from step " + step + " (levels " + levels + ")");
            return move(chosen);
        }
        if (!accept || k == 1) return false; // not accepted: held (while none was, training has just begun)
        double ratio = Math.min(MAX_RATIO, Math.max(MIN_RATIO, Math.pow(r.mse() * SLACK / eps, 4)));
        return move(Math.min(k - 1, (int) Math.ceil(k * ratio)));
    }

    private Level level(DlReport r, long step) {
        return new Level(k, step, r.admissible(), r.mse(), r.mseQuantized(), r.bits(), r.dlBits());
    }

    private boolean move(int to) {
        boolean changed = to != k;
        k = to;
        return changed;
    }

    private DlReport measure(SaeWeights w, double tolerance) {
        try (Sae sae = Sae.upload(be, norm.fold(w))) {
            return Mdl.of(sae, control).calibration(control).tolerance(tolerance).allowToleranceAboveVariance().evaluate();
        }
    }

    @Override
    public String state() {
        try {
            return JSON.writeValueAsString(new State(k, phase, levelStart, accepted, levels));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void restore(String text) {
        try {
            State s = JSON.readValue(text, State.class);
            k = s.k();
            phase = s.phase();
            levelStart = s.levelStart();
            accepted = s.accepted();
            levels.clear();
            levels.addAll(s.levels());
        } catch (JsonProcessingException e) {
            throw new InputException("checkpoint: unreadable k schedule (" + e.getOriginalMessage() + "); start afresh");
        }
    }
}
