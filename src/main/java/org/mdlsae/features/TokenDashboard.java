package org.mdlsae.features;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.mdlsae.InputException;
import org.mdlsae.data.text.TokenTable;
import org.mdlsae.math.Rows;
import org.mdlsae.sae.Sae;

/**
 * Token dashboards of an SAE over language-model activations (docs/design.md §12): for each shown latent its density,
 * activation histogram and top activating contexts — the tokens around each of its largest activations, within the
 * same model input, with the latent's activation on every one of them — plus the list of latents that never fire.
 *
 * @param data     the activation rows' name
 * @param rows     rows measured
 * @param width    D
 * @param dead     latents never active on these rows
 * @param densityHistogram counts of the live latents' densities in decades: entry i counts densities in
 *                 [10^(−i−1), 10^(−i)), i = 0..7 (the last entry takes everything below 10^−7)
 * @param features the latents shown
 */
public record TokenDashboard(
        @JsonProperty("data") String data,
        @JsonProperty("rows") long rows,
        @JsonProperty("width") int width,
        @JsonProperty("dead") List<Integer> dead,
        @JsonProperty("density_decades") long[] densityHistogram,
        @JsonProperty("features") List<Feature> features) {
    /** Tokens shown on each side of a context's maximum. */
    public static final int WINDOW = 8;

    /**
     * One latent.
     *
     * @param index      its index
     * @param group      why it is shown: {@code most used}, {@code sample} or {@code asked}
     * @param count      rows where it fires
     * @param density    count / rows
     * @param max        largest activation
     * @param meanActive mean of its non-zero activations
     * @param histogram  counts of its non-zero activations in equal bins over [0, max]
     * @param contexts   its top activating contexts, largest first
     */
    public record Feature(
            @JsonProperty("index") int index,
            @JsonProperty("group") String group,
            @JsonProperty("count") long count,
            @JsonProperty("density") double density,
            @JsonProperty("max") float max,
            @JsonProperty("mean_active") double meanActive,
            @JsonProperty("histogram") long[] histogram,
            @JsonProperty("contexts") List<Context> contexts) {
    }

    /**
     * The tokens around one large activation.
     *
     * @param row         the activation row of the maximum
     * @param document    its document
     * @param context     its model input
     * @param focus       index of the maximum in {@code tokens}
     * @param tokens      the token strings, in order
     * @param activations the latent's activation on each token
     */
    public record Context(
            @JsonProperty("row") long row,
            @JsonProperty("document") long document,
            @JsonProperty("context") int context,
            @JsonProperty("focus") int focus,
            @JsonProperty("tokens") List<String> tokens,
            @JsonProperty("activations") float[] activations) {
    }

    /** A latent to show and why. */
    public record Pick(int index, String group) {
    }

    /**
     * The latents a report shows: the {@code mostUsed} densest, then {@code sample} others drawn at random (seeded)
     * among the live ones left.
     *
     * @param s        the statistics
     * @param mostUsed how many of the densest
     * @param sample   how many others
     * @param seed     the draw's seed
     * @return the picks, densest first, then the sample in index order
     */
    public static List<Pick> select(FeatureStats s, int mostUsed, int sample, long seed) {
        Integer[] live = java.util.stream.IntStream.range(0, s.width()).filter(j -> !s.dead(j)).boxed().toArray(Integer[]::new);
        Arrays.sort(live, Comparator.<Integer>comparingLong(j -> -s.count()[j]).thenComparingInt(j -> j));
        List<Pick> out = new ArrayList<>();
        int m = Math.min(mostUsed, live.length);
        for (int i = 0; i < m; i++) out.add(new Pick(live[i], "most used"));
        List<Integer> rest = new ArrayList<>(Arrays.asList(live).subList(m, live.length));
        SplittableRandom r = new SplittableRandom(seed);
        List<Integer> drawn = new ArrayList<>();
        for (int i = 0; i < Math.min(sample, rest.size()); i++) {
            int k = i + r.nextInt(rest.size() - i); // partial Fisher–Yates
            java.util.Collections.swap(rest, i, k);
            drawn.add(rest.get(i));
        }
        drawn.sort(null);
        for (int j : drawn) out.add(new Pick(j, "sample"));
        return out;
    }

    /**
     * Builds the dashboards of the picked latents.
     *
     * @param sae      the SAE
     * @param data     the activation rows the statistics were measured on
     * @param tokens   their tokens.tsv (one line per row)
     * @param s        the statistics
     * @param picks    the latents to show
     * @param contexts top contexts per latent (at most {@code s.top()})
     * @return the dashboards
     * @throws InputException if tokens.tsv does not have one line per row
     */
    public static TokenDashboard build(Sae sae, Rows data, TokenTable tokens, FeatureStats s, List<Pick> picks, int contexts) {
        if (tokens.rows() != data.rowCount()) {
            throw new InputException(data.name() + ": " + data.rowCount() + " activation rows but " + TokenTable.FILE
                    + " has " + tokens.rows() + " token lines; use the directory 'mdlsae activations' wrote, unchanged");
        }
        List<Feature> out = new ArrayList<>();
        for (Pick p : picks) {
            int j = p.index();
            List<Context> cs = new ArrayList<>();
            for (int t = 0; t < Math.min(contexts, s.top()); t++) {
                long row = s.topRows()[j * s.top() + t];
                if (row < 0) break;
                cs.add(context(sae, data, tokens, row, j));
            }
            out.add(new Feature(j, p.group(), s.count()[j], s.density(j), s.max()[j], s.meanActive(j),
                    Arrays.copyOfRange(s.hist(), j * s.bins(), (j + 1) * s.bins()), cs));
        }
        List<Integer> dead = new ArrayList<>();
        long[] decades = new long[8];
        for (int j = 0; j < s.width(); j++) {
            if (s.dead(j)) {
                dead.add(j);
                continue;
            }
            int dec = (int) Math.floor(-Math.log10(s.density(j)));
            decades[Math.max(0, Math.min(7, dec))]++;
        }
        return new TokenDashboard(data.name(), s.rows(), s.width(), dead, decades, out);
    }

    /** The tokens of {@code row}'s model input within {@link #WINDOW} of it, with the latent's activations. */
    static Context context(Sae sae, Rows data, TokenTable tokens, long row, int latent) {
        int r = Math.toIntExact(row);
        int ctx = tokens.context()[r];
        int from = r;
        while (from > 0 && r - from < WINDOW && tokens.context()[from - 1] == ctx) from--;
        int to = r + 1;
        while (to < tokens.rows() && to - r <= WINDOW && tokens.context()[to] == ctx) to++;
        float[] acts = FeatureStats.activations(sae, data, from, to - from, latent);
        List<String> toks = List.of(Arrays.copyOfRange(tokens.token(), from, to));
        return new Context(row, tokens.document()[r], ctx, r - from, toks, acts);
    }

    /**
     * The dashboard of one latent, whatever its density.
     *
     * @param sae      the SAE
     * @param data     the rows
     * @param tokens   their tokens
     * @param s        the statistics
     * @param latent   the latent
     * @param contexts top contexts
     * @return a dashboard with that latent only
     */
    public static TokenDashboard one(Sae sae, Rows data, TokenTable tokens, FeatureStats s, int latent, int contexts) {
        return build(sae, data, tokens, s, List.of(new Pick(latent, "asked")), contexts);
    }
}
