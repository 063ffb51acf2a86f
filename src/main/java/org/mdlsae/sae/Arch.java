package org.mdlsae.sae;

import java.util.Locale;
import org.mdlsae.InputException;

/** SAE activation rules (docs/design.md §2.1). */
public enum Arch {
    /** Keep the k largest ReLU pre-activations of each sample. */
    TOPK,
    /**
     * Keep the top k·n_b ReLU pre-activations of the whole batch while training; at inference a fixed
     * threshold θ (the EMA of the smallest kept value) makes each sample independent: z = ReLU(pre)·1[pre &gt; θ].
     */
    BATCHTOPK;

    /** Parses {@code topk} / {@code batchtopk} (case-insensitive). */
    public static Arch parse(String s, String flag) {
        String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        return switch (v) {
            case "topk" -> TOPK;
            case "batchtopk" -> BATCHTOPK;
            default -> throw new InputException(flag + ": unknown architecture '" + s + "'; use topk or batchtopk");
        };
    }

    /** Lower-case name used in files and on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
