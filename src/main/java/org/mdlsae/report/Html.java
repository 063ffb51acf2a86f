package org.mdlsae.report;

import java.math.BigDecimal;
import java.util.Locale;

/** Text helpers of the report page: number formats and HTML escaping. */
final class Html {
    private Html() {
    }

    /** A short decimal: 5 significant digits, trailing zeros dropped (0.015, not 0.015000). */
    static String num(double v) {
        if (!Double.isFinite(v)) return Double.toString(v);
        return new BigDecimal(fmt("%.5g", v)).stripTrailingZeros().toPlainString();
    }

    static String fmt(String f, double v) {
        return String.format(Locale.ROOT, f, v);
    }

    static String opt(Integer v) {
        return v == null ? "–" : v.toString();
    }

    static String opt(Double v, String f) {
        return v == null ? "–" : fmt(f, v);
    }

    static String td(Object v) {
        return "<td>" + v + "</td>";
    }

    static String nz(String s) {
        return s == null ? "" : s;
    }

    static String cap(String s) {
        // ASCII only: "ε-MDL optimum" must not become "Ε-MDL optimum"
        return s.isEmpty() || s.charAt(0) < 'a' || s.charAt(0) > 'z' ? s : (char) (s.charAt(0) - 32) + s.substring(1);
    }

    static String join(Iterable<Integer> xs) {
        StringBuilder b = new StringBuilder();
        for (Integer x : xs) b.append(b.length() == 0 ? "" : ", ").append(x);
        return b.toString();
    }

    /** Human-readable wall time: {@code 42.0 s}, {@code 3 min 07 s}, {@code 2 h 05 min}. */
    static String duration(double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) return "–";
        if (seconds < 60) return fmt("%.1f s", seconds);
        long s = Math.round(seconds);
        if (s < 3600) return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }

    /** Escapes text for HTML element content and double-quoted attributes. */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }
}
