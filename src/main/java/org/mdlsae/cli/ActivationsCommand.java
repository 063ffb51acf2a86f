package org.mdlsae.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mdlsae.InputException;
import org.mdlsae.data.text.Corpus;
import org.mdlsae.data.text.Extraction;
import org.mdlsae.data.text.ExtractionConfig;
import org.mdlsae.data.text.TextFileCorpus;
import org.mdlsae.data.text.TextModel;
import org.mdlsae.data.text.TextModelProvider;
import org.mdlsae.io.OutputKind;
import org.mdlsae.io.OutputTarget;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mdlsae activations}: per-token activations of a language model over text, as a shard directory
 * (docs/design.md §12). The model and the built-in corpora come from the optional module {@code modules/lm}; without
 * it the command says how to get it, in one line (exit 2).
 */
@Command(name = "activations", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a language model over text and write its per-token activations: acts-NNNNN.npy shards "
                + "(rows in order), tokens.tsv (document, context, position, token; one line per row) and manifest.json. "
                + "Needs the optional module modules/lm (./mdlsae builds it on first use)."})
public final class ActivationsCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "minilm", paramLabel = "NAME",
            description = "Model (default: ${DEFAULT-VALUE}: all-MiniLM-L6-v2, 6 layers, d = 384).")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    /** --text or --corpus. */
    static final class Source {
        @Option(names = "--text", paramLabel = "FILE", description = "UTF-8 text file, one document per line.")
        Path text;

        @Option(names = "--corpus", paramLabel = "NAME", description = "Built-in corpus: europarl (its English lines; --lang all for every line).")
        String corpus;
    }

    @Option(names = "--lang", paramLabel = "en|all", description = "With --corpus: en (default) or all.")
    String lang;

    @Option(names = "--max-tokens", required = true, paramLabel = "N", description = "Activation rows to write (stops earlier if the text runs out).")
    long maxTokens;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New directory to write.")
    Path out;

    @Option(names = "--force", description = "Replace an activation directory this engine wrote.")
    boolean force;

    @Option(names = "--layer", paramLabel = "N", description = "Hidden state 0..L (0 = embeddings, L = last; default: last).")
    Integer layer;

    @Option(names = "--dtype", defaultValue = "float16", paramLabel = "float16|float32", description = "Stored type (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--batch", defaultValue = "" + ExtractionConfig.DEFAULT_BATCH, paramLabel = "N",
            description = "Contexts per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--context", defaultValue = "" + ExtractionConfig.DEFAULT_CONTEXT, paramLabel = "N",
            description = "Tokens per context, special tokens included (default: ${DEFAULT-VALUE}).")
    int context;

    @Option(names = "--shard-rows", defaultValue = "" + ExtractionConfig.DEFAULT_SHARD_ROWS, paramLabel = "N",
            description = "Most rows per shard file (default: ${DEFAULT-VALUE}).")
    int shardRows;

    @Option(names = "--special-tokens", description = "Also write the rows of [CLS] and [SEP] (padding never).")
    boolean specialTokens;

    @ArgGroup(exclusive = true)
    ProgressOptions progress = new ProgressOptions();

    @Option(names = "--json", description = "Print the manifest and the timing as JSON on standard output.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ExtractionConfig cfg = new ExtractionConfig(layer, maxTokens, float16(dtype), batch, context, shardRows, specialTokens);
        if (lang != null && source.corpus == null) throw new InputException("--lang applies to --corpus only; drop it");
        boolean all = allLanguages(lang);
        OutputTarget target = OutputTarget.check("--out", out, OutputKind.ACTIVATIONS, OutputTarget.Mode.REPLACE, force);
        TextModelProvider provider = TextModelProvider.find();
        Corpus corpus = source.text != null ? TextFileCorpus.open(source.text) : builtIn(provider, source.corpus, all);
        Extraction.Summary s = extract(provider, model, corpus, cfg, target, progress.mode());
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("out", target.path().toString());
            o.put("seconds", s.seconds());
            o.put("tokens_per_second", s.tokensPerSecond());
            o.put("manifest", s.manifest());
            Json.print(o);
        }
        return 0;
    }

    /** Opens the model, extracts under a progress bar, publishes the directory and logs one line. */
    static Extraction.Summary extract(TextModelProvider provider, String modelName, Corpus corpus, ExtractionConfig cfg,
                                      OutputTarget target, Boolean mode) throws Exception {
        if (!provider.models().contains(modelName)) {
            throw new InputException("--model " + modelName + ": unknown; available: " + String.join(", ", provider.models()));
        }
        Extraction.Summary[] s = new Extraction.Summary[1];
        try (TextModel m = provider.open(modelName)) {
            ProgressBar bar = new ProgressBar("activations " + m.name(), mode);
            long t0 = System.nanoTime();
            target.publish(dir -> s[0] = Extraction.run(m, corpus, cfg, dir, (rows, max, docs, ctx) -> bar.update(
                    (double) rows / max, String.format(Locale.ROOT, "%d/%d tokens, %d documents, %.0f tokens/s", rows, max,
                            docs, rows / Math.max(1e-9, (System.nanoTime() - t0) / 1e9)))));
            bar.finish(String.format(Locale.ROOT, "%.1f s", s[0].seconds()));
        }
        Extraction.Summary r = s[0];
        System.err.printf(Locale.ROOT, "mdlsae: %d activation rows (%d documents, %d contexts%s) of %s, layer %s, d = %s, %s, "
                        + "%d shard(s) in %.1f s (%.0f tokens/s) → %s%n", r.rows(), r.documents(), r.contexts(),
                r.budgetHit() ? "; stopped at --max-tokens" : "; all the text", modelName,
                ((Map<?, ?>) r.manifest().get("layer")).get("index"), r.manifest().get("d"), r.manifest().get("dtype"),
                r.shards(), r.seconds(), r.tokensPerSecond(), target.path());
        return r;
    }

    static Corpus builtIn(TextModelProvider provider, String name, boolean all) throws Exception {
        if (!provider.corpora().contains(name)) {
            throw new InputException("--corpus " + name + ": unknown; available: " + String.join(", ", provider.corpora()));
        }
        return provider.corpus(name, all);
    }

    static boolean float16(String dtype) {
        return switch (dtype.toLowerCase(Locale.ROOT)) {
            case "float16", "f16" -> true;
            case "float32", "f32" -> false;
            default -> throw new InputException("--dtype must be float16 or float32, got '" + dtype + "'");
        };
    }

    static boolean allLanguages(String lang) {
        if (lang == null || lang.equalsIgnoreCase("en")) return false;
        if (lang.equalsIgnoreCase("all")) return true;
        throw new InputException("--lang must be en or all, got '" + lang + "'");
    }
}
