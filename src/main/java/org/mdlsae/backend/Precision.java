package org.mdlsae.backend;

import java.util.Locale;

/**
 * Arithmetic of the encoder product (docs/design.md §9). Everything else is fp32 on every back end.
 */
public enum Precision {
    /** IEEE single precision multiplies and adds (every back end; the default). */
    FP32,
    /**
     * CUDA tensor cores: operands rounded to TF32 (10-bit mantissa, round to nearest), products accumulated in
     * fp32. Error per output at most 2^-9·Σ_c |x_c − b_c|·|e_jc| (the parity bound); about 3e-4 relative on
     * typical data. Opt-in until measured on a device.
     */
    TF32;

    /** The flag value: {@code fp32} or {@code tf32}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a flag value.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Precision parse(String s) {
        for (Precision p : values()) if (p.id().equalsIgnoreCase(s.trim())) return p;
        throw new IllegalArgumentException("unknown precision '" + s + "': use fp32 or tf32");
    }
}
