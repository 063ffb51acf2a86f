package org.mdlsae.sae;

import java.util.Locale;
import org.mdlsae.InputException;

/**
 * SAE activation rules (docs/design.md §2.1). TopK and BatchTopK are trained by this engine; Standard (ReLU) and
 * JumpReLU with per-latent thresholds are inference-only architectures of SAEs loaded from other tools
 * (docs/design.md §7).
 */
public enum Arch {
    /** Keep the k largest ReLU pre-activations of each sample. */
    TOPK,
    /**
     * Keep the top k·n_b ReLU pre-activations of the whole batch while training; at inference a fixed
     * threshold θ (the EMA of the smallest kept value) makes each sample independent: z = ReLU(pre)·1[pre &gt; θ].
     */
    BATCHTOPK,
    /** SAELens' {@code standard}: z = ReLU(pre). Loaded only. */
    STANDARD,
    /** JumpReLU with one threshold per latent: z_j = ReLU(pre_j)·1[pre_j &gt; θ_j]. Loaded only. */
    JUMPRELU;

    /** Parses a trainable architecture, {@code topk} / {@code batchtopk} (case-insensitive). */
    public static Arch parse(String s, String flag) {
        String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        return switch (v) {
            case "topk" -> TOPK;
            case "batchtopk" -> BATCHTOPK;
            default -> throw new InputException(flag + ": unknown architecture '" + s + "'; use topk or batchtopk");
        };
    }

    /** Whether the engine's trainer can train this architecture (TopK, BatchTopK). */
    public boolean trainable() {
        return this == TOPK || this == BATCHTOPK;
    }

    /** Whether the SAE has a k (TopK: per sample; BatchTopK: the mean it was trained for). */
    public boolean hasK() {
        return trainable();
    }

    /** Lower-case name used in files and on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
