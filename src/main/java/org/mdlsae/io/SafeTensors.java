package org.mdlsae.io;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mdlsae.InputException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Reader and writer for the safetensors format:
 * an 8-byte little-endian header length N, N bytes of JSON header ({@code name -> {dtype, shape,
 * data_offsets}} plus an optional {@code __metadata__} string map), then the little-endian tensor bytes.
 *
 * <p>Reading converts F32, F16, BF16 and F64 to {@code float}; headers that mention other known dtypes can
 * still be listed ({@link #header(Path)}), but their data cannot be read. Headers are validated the way
 * the reference implementation does (size bounds, offsets contiguous from 0 to the end of the file,
 * {@code shape × dtype size} matching the offsets) before anything is allocated, so a lying header
 * gives an {@link InputException}, never an out-of-memory error. Writing produces the same bytes as
 * Python's {@code safetensors.numpy.save_file} for float32 arrays: tensors sorted by name, compact JSON,
 * header padded with spaces to a multiple of 8 bytes.
 */
public final class SafeTensors {
    /** Largest header accepted, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Key of the free-form string map in the header. */
    public static final String METADATA_KEY = "__metadata__";
    /** Dtypes whose data can be read (converted to float). */
    public static final List<String> READABLE_DTYPES = List.of("F32", "F16", "BF16", "F64");

    private static final Map<String, Integer> DTYPE_SIZES = Map.ofEntries(
            Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1),
            Map.entry("F8_E5M2", 1), Map.entry("F8_E4M3", 1),
            Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("F16", 2), Map.entry("BF16", 2),
            Map.entry("I32", 4), Map.entry("U32", 4), Map.entry("F32", 4),
            Map.entry("I64", 8), Map.entry("U64", 8), Map.entry("F64", 8));

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final JsonFactory JSON_FACTORY = new JsonFactory();
    private static final int CHUNK_BYTES = 1 << 20;

    private SafeTensors() {
    }

    /**
     * A tensor held as floats.
     *
     * @param name  the tensor's name in the file
     * @param dtype the dtype it was stored with (written tensors are always stored as F32)
     * @param shape its shape (row-major); {@code []} is a scalar
     * @param data  its {@code ∏ shape} values, row-major
     */
    public record Tensor(String name, String dtype, long[] shape, float[] data) {
        /**
         * Checks that the data length matches the shape.
         *
         * @param name the name
         * @param dtype the stored dtype
         * @param shape the shape (copied)
         * @param data the values
         */
        public Tensor {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            Objects.requireNonNull(data, "data");
            shape = shape.clone();
            long n = 1;
            for (long s : shape) {
                if (s < 0) {
                    throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
                }
                n = Math.multiplyExact(n, s);
            }
            if (n != data.length) {
                throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape)
                        + " needs " + n + " values, got " + data.length);
            }
        }

        /**
         * A float32 tensor.
         *
         * @param name  its name
         * @param data  its values, row-major
         * @param shape its shape
         * @return the tensor
         */
        public static Tensor f32(String name, float[] data, long... shape) {
            return new Tensor(name, "F32", shape, data);
        }

        /** @return the number of dimensions */
        public int rank() {
            return shape.length;
        }

        /** @return a defensive copy of the shape */
        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tensor t && name.equals(t.name) && dtype.equals(t.dtype)
                    && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, dtype, Arrays.hashCode(shape), Arrays.hashCode(data));
        }

        @Override
        public String toString() {
            return "Tensor[" + name + ", " + dtype + ", " + Arrays.toString(shape) + "]";
        }
    }

    /**
     * One header entry.
     *
     * @param name  the tensor's name
     * @param dtype its dtype, e.g. {@code F32}
     * @param shape its shape
     * @param begin start of its bytes, relative to the data section
     * @param end   end (exclusive) of its bytes, relative to the data section
     */
    public record Info(String name, String dtype, long[] shape, long begin, long end) {
        /**
         * Copies the shape.
         *
         * @param name the name
         * @param dtype the dtype
         * @param shape the shape (copied)
         * @param begin start offset
         * @param end end offset
         */
        public Info {
            shape = shape.clone();
        }

        /** @return a defensive copy of the shape */
        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** @return the number of dimensions */
        public int rank() {
            return shape.length;
        }

        /** @return the shape as text, e.g. {@code [784, 1024]} */
        public String shapeString() {
            return Arrays.toString(shape);
        }

        @Override
        public String toString() {
            return name + " " + dtype + " " + shapeString();
        }
    }

    /**
     * A validated header.
     *
     * @param tensors   entries in header order
     * @param metadata  the {@code __metadata__} map (empty if absent)
     * @param dataStart file offset of the data section ({@code 8 + N})
     */
    public record Header(Map<String, Info> tensors, Map<String, String> metadata, long dataStart) {
    }

    /**
     * Reads and validates the header only.
     *
     * @param file the safetensors file
     * @return the header
     * @throws InputException if the file is missing, unreadable or malformed
     */
    public static Header header(Path file) {
        try (FileChannel ch = open(file)) {
            return readHeader(file, ch);
        } catch (IOException e) {
            throw ioError(file, e);
        }
    }

    /**
     * Tensor names in header order.
     *
     * @param file the safetensors file
     * @return the names
     * @throws InputException if the file is missing, unreadable or malformed
     */
    public static List<String> names(Path file) {
        return List.copyOf(header(file).tensors().keySet());
    }

    /**
     * The {@code __metadata__} map.
     *
     * @param file the safetensors file
     * @return the map, empty when the file has none
     * @throws InputException if the file is missing, unreadable or malformed
     */
    public static Map<String, String> metadata(Path file) {
        return header(file).metadata();
    }

    /**
     * Reads all tensors.
     *
     * @param file the safetensors file
     * @return name → tensor, in header order
     * @throws InputException if the file is missing, malformed, or holds a dtype that cannot be read
     */
    public static Map<String, Tensor> read(Path file) {
        try (FileChannel ch = open(file)) {
            Header h = readHeader(file, ch);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Info info : h.tensors().values()) {
                out.put(info.name(), readData(file, ch, h, info));
            }
            return Collections.unmodifiableMap(out);
        } catch (IOException e) {
            throw ioError(file, e);
        }
    }

    /**
     * Reads one tensor.
     *
     * @param file the safetensors file
     * @param name the tensor's name
     * @return the tensor
     * @throws InputException if the file is malformed or has no such tensor (the message lists the names)
     */
    public static Tensor readOne(Path file, String name) {
        try (FileChannel ch = open(file)) {
            Header h = readHeader(file, ch);
            Info info = h.tensors().get(name);
            if (info == null) {
                throw new InputException(file + ": no tensor named '" + name + "'; it has "
                        + describe(h.tensors().values()));
            }
            return readData(file, ch, h, info);
        } catch (IOException e) {
            throw ioError(file, e);
        }
    }

    /**
     * Writes tensors atomically as F32, sorted by name (as the Python library does).
     *
     * @param file     the file to create or replace
     * @param tensors  the tensors; the map keys are the names written
     * @param metadata the {@code __metadata__} map (keys written sorted), or {@code null} for none; an empty
     *                 map writes {@code "__metadata__":{}}, as Python does for {@code metadata={}}
     * @throws IOException if writing fails (the file is then unchanged)
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        byte[] header = headerBytes(tensors, metadata);
        List<String> order = sortedNames(tensors);
        AtomicFiles.writeAtomic(file, out -> {
            out.write(header);
            for (String name : order) {
                writeFloats(out, tensors.get(name).data());
            }
        });
    }

    /**
     * The complete file content {@link #write} would produce.
     *
     * @param tensors  the tensors
     * @param metadata the {@code __metadata__} map, or {@code null}
     * @return the bytes
     */
    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.write(headerBytes(tensors, metadata));
            for (String name : sortedNames(tensors)) {
                writeFloats(bytes, tensors.get(name).data());
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- writing ----

    private static List<String> sortedNames(Map<String, Tensor> tensors) {
        List<String> names = new ArrayList<>(tensors.keySet());
        // Rust's str ordering compares UTF-8 bytes.
        names.sort(Comparator.comparing((String s) -> s.getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned));
        return names;
    }

    /** Length prefix plus padded JSON header. */
    private static byte[] headerBytes(Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON_FACTORY.createGenerator(json, JsonEncoding.UTF8)) {
            g.writeStartObject();
            if (metadata != null) {
                g.writeObjectFieldStart(METADATA_KEY);
                for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
                    g.writeStringField(e.getKey(), Objects.requireNonNull(e.getValue(), "metadata value"));
                }
                g.writeEndObject();
            }
            long offset = 0;
            for (String name : sortedNames(tensors)) {
                if (METADATA_KEY.equals(name)) {
                    throw new IllegalArgumentException("a tensor cannot be named " + METADATA_KEY);
                }
                Tensor t = tensors.get(name);
                long n = 4L * t.data().length;
                g.writeObjectFieldStart(name);
                g.writeStringField("dtype", "F32");
                g.writeArrayFieldStart("shape");
                for (long s : t.shape) {
                    g.writeNumber(s);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                g.writeNumber(offset + n);
                g.writeEndArray();
                g.writeEndObject();
                offset += n;
            }
            g.writeEndObject();
        }
        int pad = (8 - json.size() % 8) % 8;
        for (int i = 0; i < pad; i++) {
            json.write(' ');
        }
        byte[] body = json.toByteArray();
        ByteBuffer out = ByteBuffer.allocate(8 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(body.length).put(body);
        return out.array();
    }

    private static void writeFloats(OutputStream out, float[] data) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(Math.min(CHUNK_BYTES, Math.max(4, data.length * 4)))
                .order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = buf.capacity() / 4;
        for (int from = 0; from < data.length; from += perChunk) {
            int n = Math.min(perChunk, data.length - from);
            buf.clear();
            buf.asFloatBuffer().put(data, from, n);
            out.write(buf.array(), 0, n * 4);
        }
    }

    // ---- reading ----

    private static FileChannel open(Path file) {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new InputException("file not found: " + file);
        } catch (IOException e) {
            throw ioError(file, e);
        }
    }

    private static InputException ioError(Path file, IOException e) {
        return new InputException(file + ": cannot read (" + e.getMessage() + "); check the path and permissions", e);
    }

    private static InputException bad(Path file, String what) {
        return new InputException(file + ": not a valid safetensors file: " + what
                + "; re-save it with safetensors.numpy.save_file or torch save_file");
    }

    private static Header readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw bad(file, "file is " + size + " bytes, shorter than the 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lenBuf, 0);
        long n = lenBuf.flip().getLong();
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw bad(file, "declared header length " + Long.toUnsignedString(n) + " exceeds the "
                    + MAX_HEADER_BYTES + "-byte limit");
        }
        if (n > size - 8) {
            throw bad(file, "declared header length " + n + " but the file has only " + (size - 8)
                    + " bytes after the length (truncated?)");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(file, ch, hb, 8);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(hb.flip()).toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "header is not valid UTF-8");
        }
        JsonNode root;
        try (JsonParser p = JSON.createParser(text)) {
            root = JSON.readTree(p);
            if (root != null && p.nextToken() != null) {
                throw bad(file, "trailing characters after the JSON header");
            }
        } catch (IOException e) {
            throw bad(file, "header is not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
        if (!(root instanceof ObjectNode obj)) {
            throw bad(file, "header is not a JSON object");
        }
        long dataStart = 8 + n;
        long dataLen = size - dataStart;
        Map<String, Info> infos = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (METADATA_KEY.equals(e.getKey())) {
                parseMetadata(file, e.getValue(), meta);
            } else {
                infos.put(e.getKey(), parseInfo(file, e.getKey(), e.getValue()));
            }
        }
        checkOffsets(file, infos.values(), dataLen);
        return new Header(Collections.unmodifiableMap(infos), Collections.unmodifiableMap(meta), dataStart);
    }

    private static void parseMetadata(Path file, JsonNode node, Map<String, String> meta) {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw bad(file, METADATA_KEY + " is not a map of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw bad(file, METADATA_KEY + " entry '" + e.getKey() + "' is not a string");
            }
            meta.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static Info parseInfo(Path file, String name, JsonNode node) {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw bad(file, where + " is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw bad(file, where + " has no dtype");
        }
        String dtype = dtypeNode.textValue();
        Integer itemSize = DTYPE_SIZES.get(dtype);
        if (itemSize == null) {
            throw bad(file, where + " has unknown dtype '" + dtype + "'");
        }
        long[] shape = nonNegativeLongs(file, where, "shape", node.get("shape"), -1);
        long[] offsets = nonNegativeLongs(file, where, "data_offsets", node.get("data_offsets"), 2);
        if (offsets[1] < offsets[0]) {
            throw bad(file, where + " has data_offsets " + Arrays.toString(offsets) + " with end before begin");
        }
        long bytes;
        try {
            long numel = 1;
            for (long s : shape) {
                numel = Math.multiplyExact(numel, s);
            }
            bytes = Math.multiplyExact(numel, (long) itemSize);
        } catch (ArithmeticException e) {
            throw bad(file, where + " has shape " + Arrays.toString(shape) + " whose size overflows");
        }
        if (offsets[1] - offsets[0] != bytes) {
            throw bad(file, where + " has shape " + Arrays.toString(shape) + " " + dtype + " (" + bytes
                    + " bytes) but data_offsets " + Arrays.toString(offsets) + " span " + (offsets[1] - offsets[0]));
        }
        return new Info(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] nonNegativeLongs(Path file, String where, String field, JsonNode node, int length) {
        if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
            throw bad(file, where + " has a missing or malformed " + field);
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw bad(file, where + " has a bad " + field + " entry " + v);
            }
            out[i] = v.longValue();
        }
        return out;
    }

    /** Offsets must tile [0, dataLen) exactly, in some order, without gaps or overlaps. */
    private static void checkOffsets(Path file, java.util.Collection<Info> infos, long dataLen) {
        List<Info> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(Info::begin).thenComparingLong(Info::end));
        long pos = 0;
        for (Info info : sorted) {
            if (info.begin() != pos) {
                String problem = info.begin() < pos ? "overlaps the previous tensor" : "leaves a gap before it";
                throw bad(file, "tensor '" + info.name() + "' data_offsets [" + info.begin() + ", " + info.end()
                        + "] " + problem + " (expected to start at " + pos + ")");
            }
            if (info.end() > dataLen) {
                throw bad(file, "tensor '" + info.name() + "' ends at byte " + info.end() + " of the data section, but "
                        + "the file has only " + dataLen + " data bytes (truncated?)");
            }
            pos = info.end();
        }
        if (pos != dataLen) {
            throw bad(file, "tensors cover " + pos + " data bytes but the file has " + dataLen);
        }
    }

    private static Tensor readData(Path file, FileChannel ch, Header h, Info info) throws IOException {
        String dtype = info.dtype();
        if (!READABLE_DTYPES.contains(dtype)) {
            throw new InputException(file + ": tensor '" + info.name() + "' has dtype " + dtype
                    + ", which cannot be read as floats (supported: " + String.join(", ", READABLE_DTYPES)
                    + "); convert it, e.g. t.astype(np.float32)");
        }
        int itemSize = DTYPE_SIZES.get(dtype);
        long numel = (info.end() - info.begin()) / itemSize;
        if (numel > Integer.MAX_VALUE - 8) {
            throw new InputException(file + ": tensor '" + info.name() + "' has " + numel
                    + " elements, more than a Java array holds; split it into smaller tensors");
        }
        float[] out = new float[(int) numel];
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, Math.max(itemSize, info.end() - info.begin())))
                .order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = buf.capacity() / itemSize;
        long pos = h.dataStart() + info.begin();
        for (int from = 0; from < out.length; from += perChunk) {
            int n = Math.min(perChunk, out.length - from);
            buf.clear().limit(n * itemSize);
            readFully(file, ch, buf, pos);
            pos += (long) n * itemSize;
            buf.flip();
            Dtypes.decode(dtype, buf, out, from, n);
        }
        return new Tensor(info.name(), dtype, info.shape, out);
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw bad(file, "unexpected end of file at byte " + pos + " (file changed while reading?)");
            }
            pos += r;
        }
    }

    private static String describe(java.util.Collection<Info> infos) {
        if (infos.isEmpty()) {
            return "no tensors";
        }
        StringBuilder sb = new StringBuilder();
        for (Info i : infos) {
            sb.append(sb.length() == 0 ? "" : ", ").append(i);
        }
        return sb.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "parse error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
