package org.mdlsae.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mdlsae.mdl.DescriptionLength;
import org.mdlsae.math.Entropy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code mdlsae bound}: the upper bound L0·(B + log2 D) on the description length of a sparse code, term
 * by term, and optionally the dense code d·B it is compared with. Paper check:
 * {@code bound --l0 65 --width 25000 --bits 7 --d 768} → 1404.63 bits vs 5376.
 */
@Command(name = "bound", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Upper bound on the description length of a sparse code: L0 * (B + log2 D) bits per sample.")
public final class BoundCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--l0", required = true, paramLabel = "L0", description = "Mean number of active latents per sample.")
    double l0;

    @Option(names = "--width", required = true, paramLabel = "D", description = "Dictionary width D (number of latents).")
    long width;

    @Option(names = "--bits", required = true, paramLabel = "B", description = "Bits per active value (quantisation precision), 1..32.")
    int bits;

    @Option(names = "--d", paramLabel = "d", description = "Input dimension d: also show the dense code d * B and the saving.")
    Integer d;

    @Option(names = "--json", description = "Print only a JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        validate();
        double log2D = Entropy.log2(width);
        double bound = DescriptionLength.upperBoundBits(l0, width, bits);
        PrintWriter out = spec.commandLine().getOut();
        Long dense = d == null ? null : DescriptionLength.denseBits(d, bits);
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("l0", l0);
            m.put("d_sae", width);
            m.put("bits", bits);
            m.put("log2_d_sae", log2D);
            m.put("dl_bound_bits", bound);
            if (dense != null) {
                m.put("d_in", d);
                m.put("dense_bits", dense);
                m.put("bits_saved_vs_dense", dense - bound);
                m.put("saved_fraction", (dense - bound) / dense);
            }
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
            out.flush();
            return 0;
        }
        out.printf(Locale.ROOT, "DL upper bound = L0 * (B + log2 D) = %s * (%d + %.4f) = %.2f bits per sample%n",
                num(l0), bits, log2D, bound);
        out.printf(Locale.ROOT, "  L0     = %-10s mean number of active latents per sample; each is sent as an index and a value%n", num(l0));
        out.printf(Locale.ROOT, "  log2 D = %-10s bits of the index saying which of the D = %d latents is active%n",
                String.format(Locale.ROOT, "%.4f", log2D), width);
        out.printf(Locale.ROOT, "  B      = %-10d bits of the value: its quantisation bin at %d-bit precision%n", bits, bits);
        if (dense != null) {
            out.printf(Locale.ROOT, "Dense code: d * B = %d * %d = %d bits per sample (every input dimension at B bits)%n", d, bits, dense);
            double saved = dense - bound;
            if (saved >= 0) {
                out.printf(Locale.ROOT, "The sparse code saves at least %.2f bits per sample (%.1f%% of the dense code)%n",
                        saved, 100 * saved / dense);
            } else {
                out.printf(Locale.ROOT, "The bound exceeds the dense code by %.2f bits per sample: the sparse code may cost more%n", -saved);
            }
        }
        out.println("(The entropy DL of an actual SAE, 'mdlsae dl', is usually below this bound, but not always.)");
        out.flush();
        return 0;
    }

    private void validate() {
        if (!Double.isFinite(l0) || l0 < 0) throw bad("--l0 must be a finite number >= 0 (mean active latents per sample), got " + l0);
        if (width < 1) throw bad("--width must be >= 1 (number of latents D), got " + width);
        if (l0 > width) throw bad("--l0 " + num(l0) + " exceeds --width " + width + ": at most D latents can be active");
        if (bits < 1 || bits > 32) throw bad("--bits must be in [1, 32], got " + bits);
        if (d != null && d < 1) throw bad("--d must be >= 1 (input dimension), got " + d);
    }

    private ParameterException bad(String msg) {
        return new ParameterException(spec.commandLine(), msg);
    }

    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "");
    }
}
