package org.mdlsae.io;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.mdlsae.InputException;

/**
 * The SAE file layouts the engine reads (docs/design.md §7), detected from the files or named with
 * {@code --format}. Each format lists, in {@link #keys()}, every config key and tensor it can carry and what the
 * loader does with it; a test walks these lists.
 */
public enum SaeFormat {
    /** SAELens 5.x and 6.x: {@code cfg.json} + {@code sae_weights.safetensors} (also what this engine writes). */
    SAELENS("saelens"),
    /** EleutherAI sparsify: {@code cfg.json} + {@code sae.safetensors}, one folder per hook point. */
    SPARSIFY("sparsify"),
    /** Gemma Scope: {@code params.npz}. */
    GEMMA_SCOPE("gemma-scope"),
    /** dictionary_learning: {@code ae.pt} (or {@code ae.safetensors}) with an optional {@code config.json}. */
    DICTIONARY_LEARNING("dictionary-learning");

    private final String id;

    SaeFormat(String id) {
        this.id = id;
    }

    /** The name used by {@code --format}. */
    public String id() {
        return id;
    }

    /**
     * Parses a {@code --format} value; {@code auto} (or null) gives null, meaning "detect".
     *
     * @param s    the value
     * @param flag the flag name for messages
     * @return the format, or null for detection
     */
    public static SaeFormat parse(String s, String flag) {
        if (s == null) return null;
        String v = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        if (v.equals("auto")) return null;
        for (SaeFormat f : values()) if (f.id.equals(v) || f.id.replace("-", "").equals(v)) return f;
        throw new InputException(flag + ": unknown SAE format '" + s + "'; use auto, " + ids());
    }

    static String ids() {
        return String.join(", ", Stream.of(values()).map(SaeFormat::id).toList());
    }

    /**
     * The format of an SAE path: a directory holding one format's files, one of those files itself, or a
     * sparsify run folder with one sub-folder per hook point.
     *
     * @param path a file or directory
     * @return the format
     * @throws InputException naming what an SAE directory holds when nothing matches
     */
    public static SaeFormat detect(Path path) {
        if (Files.isRegularFile(path)) {
            String n = path.getFileName().toString();
            if (n.endsWith(".npz")) return GEMMA_SCOPE;
            if (n.endsWith(".pt") || n.equals("ae.safetensors")) return DICTIONARY_LEARNING;
            if (n.equals(SaeFiles.WEIGHTS) || n.equals(SaeFiles.CONFIG) && Files.isRegularFile(path.resolveSibling(SaeFiles.WEIGHTS))) {
                return SAELENS;
            }
            if (n.equals(SparsifyFormat.WEIGHTS) || n.equals(SaeFiles.CONFIG)) return SPARSIFY;
            throw new InputException("--sae " + path + ": not an SAE file this engine reads; " + expected());
        }
        if (!Files.isDirectory(path)) throw new InputException("--sae " + path + ": no such file or directory");
        if (Files.isRegularFile(path.resolve(SaeFiles.WEIGHTS))) return SAELENS;
        if (Files.isRegularFile(path.resolve(SparsifyFormat.WEIGHTS))) return SPARSIFY;
        if (Files.isRegularFile(path.resolve(GemmaScopeFormat.PARAMS))) return GEMMA_SCOPE;
        if (Files.isRegularFile(path.resolve(DictionaryLearningFormat.CHECKPOINT))
                || Files.isRegularFile(path.resolve(DictionaryLearningFormat.SAFETENSORS))) {
            return DICTIONARY_LEARNING;
        }
        if (!SparsifyFormat.hookpoints(path).isEmpty()) return SPARSIFY;
        throw new InputException("--sae " + path + ": no SAE files found; " + expected());
    }

    private static String expected() {
        return "pass a directory with cfg.json + sae_weights.safetensors (SAELens), cfg.json + sae.safetensors (sparsify), "
                + "params.npz (Gemma Scope) or ae.pt (dictionary_learning)";
    }

    /** What a loader does with a key. */
    public enum Role {
        /** Changes the forward pass; the values the loader implements are accepted, others refused by name. */
        FORWARD,
        /** Metadata or a training-only setting: the tool itself ignores it at inference, so does the loader. */
        INERT,
        /** A weight tensor (or npz array / state_dict entry). */
        TENSOR
    }

    /**
     * One key a format can carry.
     *
     * @param name    the key (dotted for nested config entries, e.g. {@code trainer.dict_class})
     * @param role    what the loader does with it
     * @param fixture the interop fixture a test mutates to check this key (null: not mutated)
     * @param neutral a JSON value that leaves the fixture's forward pass unchanged (null: none to check)
     * @param refused a JSON value the loader must refuse naming the key (null: every value is implemented)
     */
    public record Key(String name, Role role, String fixture, String neutral, String refused) {
    }

    /** Every key this format can carry (config entries and tensors). */
    public List<Key> keys() {
        List<Key> out = new ArrayList<>();
        switch (this) {
            case SAELENS -> SaeLensFormat.keys(out);
            case SPARSIFY -> SparsifyFormat.keys(out);
            case GEMMA_SCOPE -> GemmaScopeFormat.keys(out);
            case DICTIONARY_LEARNING -> DictionaryLearningFormat.keys(out);
        }
        return List.copyOf(out);
    }
}
