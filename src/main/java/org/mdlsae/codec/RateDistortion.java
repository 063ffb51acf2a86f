package org.mdlsae.codec;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Rate–distortion curves (docs/design.md §13): an SAE's entropy DL against its quantised MSE as the precision B runs
 * over 1..16, from one statistics pass ({@link CodeStats}), and the points where two SAEs' curves cross.
 */
public final class RateDistortion {
    private RateDistortion() {
    }

    /**
     * One SAE's curve.
     *
     * @param width  D
     * @param k      k
     * @param mse    its unquantised MSE (where the curve flattens out)
     * @param points B = 1..16
     */
    public record Curve(@JsonProperty("width") int width, @JsonProperty("k") int k, @JsonProperty("mse") double mse,
                        @JsonProperty("points") List<Point> points) {
        /**
         * A label for legends.
         *
         * @return e.g. "D=128 k=13"
         */
        public String label() {
            return "D=" + width + " k=" + k;
        }
    }

    /**
     * One precision.
     *
     * @param bits         B
     * @param mseQuantized quantised MSE at B
     * @param dlBits       entropy DL at B, bits per sample
     */
    public record Point(@JsonProperty("bits") int bits, @JsonProperty("mse_quantized") double mseQuantized,
                        @JsonProperty("dl_bits") double dlBits) {
    }

    /**
     * Where two curves cross: at this quantised MSE both SAEs need the same DL; on one side of it the first is cheaper.
     *
     * @param a            one curve's label
     * @param b            the other's
     * @param mse          the quantised MSE of the crossing
     * @param dlBits       the DL there
     * @param cheaperBelow the label of the cheaper code at smaller MSE (tighter tolerance)
     */
    public record Crossing(@JsonProperty("a") String a, @JsonProperty("b") String b, @JsonProperty("mse") double mse,
                           @JsonProperty("dl_bits") double dlBits, @JsonProperty("cheaper_below") String cheaperBelow) {
    }

    /**
     * The curve of a measured code.
     *
     * @param s the statistics pass of the SAE on the evaluation rows
     * @return its curve
     */
    public static Curve of(CodeStats s) {
        List<Point> pts = new ArrayList<>();
        double[] mse = s.mseByBits();
        for (int b = 1; b <= mse.length; b++) pts.add(new Point(b, mse[b - 1], s.dlBits(b)));
        return new Curve(s.width, s.k, s.mse(), pts);
    }

    /**
     * Every crossing between pairs of curves, each curve read as DL against log MSE along its Pareto frontier, linear
     * between its precisions, over the MSE range both cover.
     *
     * @param curves the curves
     * @return the crossings, by pair then MSE
     */
    public static List<Crossing> crossings(List<Curve> curves) {
        List<Crossing> out = new ArrayList<>();
        for (int i = 0; i < curves.size(); i++) {
            for (int j = i + 1; j < curves.size(); j++) out.addAll(crossings(curves.get(i), curves.get(j)));
        }
        return out;
    }

    static List<Crossing> crossings(Curve a, Curve b) {
        double[][] pa = frontier(a), pb = frontier(b);
        double lo = Math.max(pa[0][0], pb[0][0]), hi = Math.min(pa[pa.length - 1][0], pb[pb.length - 1][0]);
        List<Crossing> out = new ArrayList<>();
        if (!(lo < hi)) return out;
        List<Double> xs = new ArrayList<>();
        xs.add(lo);
        for (double[] p : pa) if (p[0] > lo && p[0] < hi) xs.add(p[0]);
        for (double[] p : pb) if (p[0] > lo && p[0] < hi) xs.add(p[0]);
        xs.add(hi);
        xs.sort(Comparator.naturalOrder());
        double px = xs.get(0), pf = at(pa, px) - at(pb, px);
        for (int t = 1; t < xs.size(); t++) {
            double x = xs.get(t), f = at(pa, x) - at(pb, x);
            if (pf != 0 && f != 0 && (pf < 0) != (f < 0) || f == 0 && pf != 0 && t < xs.size() - 1) {
                double c = f == 0 ? x : px + (x - px) * pf / (pf - f);
                double ya = at(pa, c);
                // f = DL_a − DL_b: just below the crossing (smaller MSE) the sign of pf tells who is cheaper
                out.add(new Crossing(a.label(), b.label(), Math.pow(10, c), ya, pf < 0 ? a.label() : b.label()));
            }
            px = x;
            pf = f;
        }
        return out;
    }

    /**
     * The curve's Pareto frontier as {log10 MSE, DL} sorted by MSE: a precision is kept only if it reaches a smaller
     * MSE than every cheaper one (past the unquantised MSE extra bits buy nothing, and the curve would turn back).
     *
     * @param c a curve
     * @return its frontier points
     */
    public static double[][] frontier(Curve c) {
        List<Point> byDl = new ArrayList<>(c.points());
        byDl.sort(Comparator.comparingDouble(Point::dlBits));
        List<double[]> keep = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        for (Point p : byDl) {
            if (p.mseQuantized() < best) {
                best = p.mseQuantized();
                keep.add(new double[] {Math.log10(Math.max(best, 1e-300)), p.dlBits()});
            }
        }
        keep.sort(Comparator.comparingDouble((double[] p) -> p[0]));
        return keep.toArray(double[][]::new);
    }

    /** DL at log-MSE x by linear interpolation (x within the curve's range). */
    private static double at(double[][] p, double x) {
        if (x <= p[0][0]) return p[0][1];
        for (int i = 1; i < p.length; i++) {
            if (x <= p[i][0]) {
                double span = p[i][0] - p[i - 1][0];
                return span == 0 ? p[i][1] : p[i - 1][1] + (p[i][1] - p[i - 1][1]) * (x - p[i - 1][0]) / span;
            }
        }
        return p[p.length - 1][1];
    }
}
