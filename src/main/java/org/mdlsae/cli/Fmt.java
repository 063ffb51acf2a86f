package org.mdlsae.cli;

import java.util.Locale;

/** Short number formats of the commands' text output (JSON output goes through {@link Json}). */
final class Fmt {
    private Fmt() {
    }

    /** An integer as an integer, otherwise up to 4 decimals without trailing zeros. */
    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "");
    }

    /** 5 decimals, or "-" for a missing value. */
    static String f5(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.5f", v);
    }

    /** 4 decimals, or "none" for a missing value. */
    static String f4(Double v) {
        return v == null ? "none" : String.format(Locale.ROOT, "%.4f", v);
    }

    /** An integer, or "-" for a missing value. */
    static String i(Integer v) {
        return v == null ? "-" : v.toString();
    }
}
