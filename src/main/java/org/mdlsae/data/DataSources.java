package org.mdlsae.data;

import org.mdlsae.InputException;
import org.mdlsae.io.Npy;
import org.mdlsae.io.SafeTensors;
import org.mdlsae.math.Rows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Resolves a data argument ({@code --data}): {@link #load} to a validated in-memory {@link Dataset}, {@link #open} to
 * {@link Rows} that stream from disk when the source is a file or directory of shards (docs/design.md §8).
 *
 * <p>The spec is either {@code mnist} (the built-in digits, {@link Mnist}; {@code --split train|test|all}), a
 * directory of {@code *.npy}/{@code *.safetensors} shards ({@link ShardSet}), or a file path whose format is detected
 * from its content, not its name:
 * <ul>
 *   <li>{@code .npy} — starts with {@code \x93NUMPY} ({@link Npy});</li>
 *   <li>IDX — starts with {@code 00 00 TYPE NDIM} ({@link Idx}), or gzip ({@code 1f 8b}) holding an IDX file;</li>
 *   <li>safetensors — an 8-byte little-endian length followed by a JSON object ({@link SafeTensors}); the 2-D
 *       tensor named by {@code --tensor}, or the only 2-D tensor in the file.</li>
 * </ul>
 * Files are used whole; every result is checked for NaN/Inf (streamed data as it is read). (A file literally named
 * {@code mnist} in the working directory is reached as {@code ./mnist}.)
 */
public final class DataSources {
    /** The spec naming the built-in MNIST digits. */
    public static final String MNIST = "mnist";

    private DataSources() {
    }

    /** Detected file formats. */
    public enum Format {
        /** NumPy .npy. */
        NPY,
        /** IDX, raw or gzipped. */
        IDX,
        /** safetensors. */
        SAFETENSORS
    }

    /**
     * Opens data for reading: mnist and IDX files in memory (a {@link Dataset}); .npy and safetensors files and
     * directories of them as a streamed {@link ShardSet} (close it when done), or loaded whole into a {@link Dataset}
     * when {@code inMemory} is set.
     *
     * @param spec     {@code mnist}, a file, or a directory of shards
     * @param tensor   for safetensors: the tensor to use ({@code null}: the only 2-D one)
     * @param split    for mnist: {@code train}, {@code test} or {@code all}; must be null otherwise
     * @param cacheDir cache for mnist, or {@code null}
     * @param inMemory load files and directories whole into the heap (at most 2^31 − 8 values) instead of streaming
     * @return the rows
     * @throws InputException as {@link #load}, and for a bad shard (before anything is read)
     */
    public static Rows open(String spec, String tensor, String split, Path cacheDir, boolean inMemory) {
        Path path = spec == null || spec.isBlank() || MNIST.equals(spec.toLowerCase(Locale.ROOT)) ? null : Path.of(spec);
        if (path == null || !Files.exists(path)) return load(spec, tensor, split, cacheDir);
        if (split != null) return load(spec, tensor, split, cacheDir); // names --split in its message
        if (Files.isRegularFile(path) && detect(path) == Format.IDX) return load(spec, tensor, null, cacheDir);
        ShardSet set = ShardSet.open(path, tensor);
        if (!inMemory) return set;
        try (set) {
            return toDataset(set, path);
        }
    }

    /** Reads a whole shard set into the heap. */
    private static Dataset toDataset(ShardSet set, Path path) {
        long values = set.rowCount() * set.dim();
        if (values > Integer.MAX_VALUE - 8) {
            throw new InputException(path + ": " + set.rowCount() + " rows × " + set.dim() + " = " + values
                    + " values do not fit one Java array; stream it instead (drop --in-memory)");
        }
        float[] x = new float[(int) values];
        set.read(0, (int) set.rowCount(), x, 0);
        return new Dataset(set.name(), (int) set.rowCount(), set.dim(), x);
    }

    /**
     * Loads data.
     *
     * @param spec     {@code mnist}, a file path, or a directory of shards (read whole; see {@link #open})
     * @param tensor   for safetensors: the tensor to use ({@code null}: the only 2-D one); must be null otherwise
     * @param split    for mnist: {@code train}, {@code test} or {@code all} ({@code null} = all 10 000); must be null
     *                 for files
     * @param cacheDir cache for mnist, or {@code null} for {@link Cache#dir()}
     * @return the validated data
     * @throws InputException for a missing/unrecognised/malformed file, misused flags, or NaN/Inf values
     */
    public static Dataset load(String spec, String tensor, String split, Path cacheDir) {
        if (spec == null || spec.isBlank()) {
            throw new InputException("--data is empty; give 'mnist' or the path of a .npy, safetensors or IDX file");
        }
        if (MNIST.equals(spec.toLowerCase(Locale.ROOT))) {
            if (tensor != null) {
                throw new InputException("--tensor applies to safetensors files only, not to mnist; drop it");
            }
            return mnist(split, cacheDir);
        }
        Path file = Path.of(spec);
        if (split != null) {
            throw new InputException("--split applies to mnist only; the file " + file
                    + " is used whole (pass a different file with --eval/--calib instead)");
        }
        if (!Files.exists(file)) {
            throw new InputException("file not found: " + file);
        }
        if (Files.isDirectory(file)) {
            try (ShardSet set = ShardSet.open(file, tensor)) {
                return toDataset(set, file);
            }
        }
        if (!Files.isRegularFile(file)) {
            throw new InputException(file + " is not a regular file; give a .npy, safetensors or IDX file, or a directory "
                    + "of shards");
        }
        Format format = detect(file);
        if (tensor != null && format != Format.SAFETENSORS) {
            throw new InputException("--tensor applies to safetensors files only; " + file + " is "
                    + format.name().toLowerCase(Locale.ROOT) + "; drop --tensor");
        }
        Dataset d = switch (format) {
            case NPY -> {
                Npy.Matrix m = Npy.read(file);
                yield new Dataset(file.getFileName().toString(), m.rows(), m.cols(), m.data());
            }
            case IDX -> Idx.readImages(file);
            case SAFETENSORS -> safetensors(file, tensor);
        };
        if (d.rows() == 0 || d.dim() == 0) {
            throw new InputException(file + ": the array is empty (" + d.rows() + "×" + d.dim() + "); give a file with data");
        }
        return d.validate(file.toString());
    }

    /**
     * Detects a file's format from its first bytes.
     *
     * @param file an existing file
     * @return the format
     * @throws InputException if it is none of the supported formats
     */
    public static Format detect(Path file) {
        byte[] head = new byte[9];
        int n;
        long size;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
            size = Files.size(file);
        } catch (IOException e) {
            throw new InputException(file + ": cannot read (" + e.getMessage() + "); check the path and permissions");
        }
        byte[] h = java.util.Arrays.copyOf(head, n);
        if (Npy.hasMagic(h)) {
            return Format.NPY;
        }
        if (Idx.isGzip(h)) {
            return Format.IDX;
        }
        // Checked before the IDX magic: a real IDX file can never have '{' at byte 8 and a plausible length.
        if (n == 9 && head[8] == '{') {
            long len = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (len > 0 && len <= size - 8) {
                return Format.SAFETENSORS;
            }
        }
        if (Idx.hasMagic(h)) {
            return Format.IDX;
        }
        throw new InputException(file + ": unrecognised format; expected a .npy file, a safetensors file or an IDX "
                + "file (optionally gzipped)");
    }

    private static Dataset mnist(String split, Path cacheDir) {
        String s = split == null ? "all" : split.toLowerCase(Locale.ROOT);
        return switch (s) {
            case "train" -> Mnist.train(cacheDir).data();
            case "test" -> Mnist.test(cacheDir).data();
            case "all" -> Mnist.load(cacheDir).data();
            default -> throw new InputException("--split '" + split + "' is not one of train, test, all");
        };
    }

    private static Dataset safetensors(Path file, String tensor) {
        SafeTensors.Header header = SafeTensors.header(file);
        SafeTensors.Info info = pickTensor(file, header, tensor);
        String name = info.name();
        long[] shape = info.shape();
        if (shape[0] > Integer.MAX_VALUE || shape[1] > Integer.MAX_VALUE) {
            throw new InputException(file + ": tensor " + name + " " + info.shapeString() + " is too large");
        }
        SafeTensors.Tensor t = SafeTensors.readOne(file, name);
        return new Dataset(file.getFileName() + ":" + name, (int) shape[0], (int) shape[1], t.data());
    }

    /**
     * The 2-D tensor of a safetensors file that {@code --tensor} names, or its only 2-D tensor.
     *
     * @param file   the file (for messages)
     * @param header its header
     * @param tensor the name, or null
     * @return the tensor's entry
     * @throws InputException if there is no such tensor, it is not 2-D, or the choice is ambiguous
     */
    static SafeTensors.Info pickTensor(Path file, SafeTensors.Header header, String tensor) {
        List<SafeTensors.Info> twoD = header.tensors().values().stream().filter(i -> i.rank() == 2).toList();
        String name = tensor;
        if (name == null) {
            if (twoD.size() != 1) {
                String listed = header.tensors().values().stream().map(SafeTensors.Info::toString)
                        .collect(Collectors.joining(", "));
                throw new InputException(file + (twoD.isEmpty() ? ": has no 2-D tensor" : ": has several 2-D tensors")
                        + " (" + (listed.isEmpty() ? "no tensors" : listed) + "); "
                        + (twoD.isEmpty() ? "save the data as a 2-D (samples × features) tensor"
                        : "choose one with --tensor NAME"));
            }
            name = twoD.get(0).name();
        }
        SafeTensors.Info info = header.tensors().get(name);
        if (info == null) {
            throw new InputException("--tensor " + name + ": no such tensor in " + file + "; it has "
                    + header.tensors().values().stream().map(SafeTensors.Info::toString).collect(Collectors.joining(", ")));
        }
        if (info.rank() != 2) {
            throw new InputException("--tensor " + name + ": tensor has shape " + info.shapeString() + " in " + file
                    + "; need a 2-D (samples × features) tensor, e.g. reshape to (-1, d)");
        }
        return info;
    }
}
