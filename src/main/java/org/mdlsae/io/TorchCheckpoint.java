package org.mdlsae.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.mdlsae.InputException;

/**
 * A restricted reader of PyTorch's zip checkpoint format ({@code torch.save} since 1.6), enough for a
 * {@code state_dict}: a dict (or {@code OrderedDict}) from names to tensors. The pickle in {@code ARCHIVE/data.pkl}
 * is interpreted by a small stack machine that knows only the opcodes such a pickle uses and resolves only the
 * globals {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2},
 * {@code torch._utils._rebuild_parameter} and the typed storages ({@code torch.FloatStorage}, ...); anything
 * else is refused by name. No code from the file ever runs. Tensor bytes come from {@code ARCHIVE/data/KEY}
 * (the storage key of each persistent id), honour the tensor's offset and strides, and are converted to
 * float. Layout followed: {@code torch/serialization.py} ({@code _save}) and Python's {@code pickle} protocol 2.
 */
public final class TorchCheckpoint {
    /** The one-line conversion offered when a checkpoint cannot be read. */
    public static final String CONVERSION = "python -c \"import torch; from safetensors.torch import save_file; "
            + "save_file({k: v.contiguous() for k, v in torch.load('ae.pt').items()}, 'ae.safetensors')\"";

    private static final long MAX_PICKLE = 64L << 20;
    private static final int MAX_STACK = 1 << 20;
    private static final Map<String, String> STORAGES = Map.ofEntries(
            Map.entry("FloatStorage", "F32"), Map.entry("DoubleStorage", "F64"), Map.entry("HalfStorage", "F16"),
            Map.entry("BFloat16Storage", "BF16"), Map.entry("LongStorage", "I64"), Map.entry("IntStorage", "I32"),
            Map.entry("ShortStorage", "I16"), Map.entry("CharStorage", "I8"), Map.entry("ByteStorage", "U8"),
            Map.entry("BoolStorage", "BOOL"));
    private static final Set<String> CALLABLES = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter");

    private TorchCheckpoint() {
    }

    /**
     * Reads a checkpoint holding a dict of tensors.
     *
     * @param file the {@code .pt} file
     * @return the dict's entries in order, as tensors (integer buffers such as a stored k become floats)
     * @throws InputException if the file is not a zip checkpoint of a dict of tensors; the message names the
     *                        offending opcode or global and the one-line conversion to safetensors
     */
    public static Map<String, SafeTensors.Tensor> read(Path file) {
        if (!Files.isRegularFile(file)) throw new InputException("file not found: " + file);
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            in.readNBytes(head, 0, 4);
        } catch (IOException e) {
            throw new InputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (!(head[0] == 'P' && head[1] == 'K')) {
            throw refuse(file, (head[0] & 0xff) == 0x80 ? "it is in PyTorch's legacy (pre-1.6) format, not the zip format"
                    : "it is not a PyTorch zip checkpoint");
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = null;
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                String name = en.nextElement().getName();
                int slash = name.indexOf('/');
                if (slash > 0 && name.substring(slash).equals("/data.pkl")) {
                    if (prefix != null) throw refuse(file, "it holds more than one data.pkl");
                    prefix = name.substring(0, slash);
                }
            }
            if (prefix == null) throw refuse(file, "it has no ARCHIVE/data.pkl record");
            ZipEntry order = zip.getEntry(prefix + "/byteorder");
            ByteOrder bo = ByteOrder.LITTLE_ENDIAN;
            if (order != null) {
                String s = new String(readEntry(file, zip, order, 16), StandardCharsets.US_ASCII).trim();
                if (s.equals("big")) bo = ByteOrder.BIG_ENDIAN;
                else if (!s.equals("little")) throw refuse(file, "its byteorder record says '" + s + "'");
            }
            ZipEntry pkl = zip.getEntry(prefix + "/data.pkl");
            Object root;
            try {
                root = new Unpickler(file, readEntry(file, zip, pkl, MAX_PICKLE), zip, prefix, bo).run();
            } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException | ArithmeticException e) {
                throw refuse(file, "its pickle is truncated or malformed");
            }
            return stateDict(file, root);
        } catch (ZipException e) {
            throw refuse(file, "its zip structure is broken (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new InputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static Map<String, SafeTensors.Tensor> stateDict(Path file, Object root) {
        if (!(root instanceof Map<?, ?> m)) throw refuse(file, "it holds a " + kind(root) + ", not a dict of tensors");
        Map<String, SafeTensors.Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String name)) throw refuse(file, "a dict key is a " + kind(e.getKey()));
            if (!(e.getValue() instanceof Dense t)) {
                throw refuse(file, "entry '" + name + "' is a " + kind(e.getValue()) + ", not a tensor (a training "
                        + "checkpoint rather than a state_dict?)");
            }
            out.put(name, new SafeTensors.Tensor(name, t.dtype, t.shape, t.data));
        }
        return out;
    }

    private static String kind(Object o) {
        if (o == null) return "None";
        if (o instanceof Dense) return "tensor";
        if (o instanceof Map) return "dict";
        if (o instanceof Tuple) return "tuple";
        if (o instanceof List) return "list";
        if (o instanceof String) return "string";
        return o.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    static InputException refuse(Path file, String why) {
        return new InputException(file + ": cannot read this PyTorch checkpoint: " + why + "; this reader accepts a "
                + "state_dict of tensors only and never runs pickled code. Convert it with: " + CONVERSION);
    }

    private static byte[] readEntry(Path file, ZipFile zip, ZipEntry e, long max) throws IOException {
        long size = e.getSize();
        if (size < 0 || size > max) throw refuse(file, "record " + e.getName() + " declares " + size + " bytes");
        byte[] b = new byte[(int) size];
        try (InputStream in = zip.getInputStream(e)) {
            if (in.readNBytes(b, 0, b.length) != b.length || in.read() != -1) {
                throw refuse(file, "record " + e.getName() + " does not hold the " + size + " bytes it declares");
            }
        }
        return b;
    }

    /** A pickled tuple (kept apart from lists). */
    private record Tuple(List<Object> items) {
    }

    /** A resolved, whitelisted global. */
    private record Global(String name) {
    }

    /** A persistent storage reference: ('storage', type, key, location, numel). */
    private record Storage(String dtype, String key, long numel) {
    }

    /** A rebuilt tensor, contiguous row-major. */
    private record Dense(String dtype, long[] shape, float[] data) {
    }

    private static final Object MARK = new Object();

    /** The restricted stack machine. */
    private static final class Unpickler {
        private final Path file;
        private final ByteBuffer in;
        private final ZipFile zip;
        private final String prefix;
        private final ByteOrder order;
        private final List<Object> stack = new ArrayList<>();
        private final Map<Integer, Object> memo = new HashMap<>();
        private final Map<String, float[]> storages = new HashMap<>();

        Unpickler(Path file, byte[] pickle, ZipFile zip, String prefix, ByteOrder order) {
            this.file = file;
            this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
            this.zip = zip;
            this.prefix = prefix;
            this.order = order;
        }

        Object run() throws IOException {
            while (true) {
                if (!in.hasRemaining()) throw refuse(file, "its pickle ends without STOP");
                int op = in.get() & 0xff;
                switch (op) {
                    case 0x80 -> { // PROTO
                        int v = u8();
                        if (v < 2 || v > 5) throw refuse(file, "pickle protocol " + v + " is not supported");
                    }
                    case 0x95 -> skip(8); // FRAME: a length hint only
                    case '.' -> { // STOP
                        if (stack.size() != 1) throw refuse(file, "its pickle leaves " + stack.size() + " values");
                        return stack.get(0);
                    }
                    case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                    case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                    case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
                    case '(' -> push(MARK);
                    case 't' -> push(new Tuple(popMark()));
                    case 0x85 -> push(new Tuple(popN(1)));
                    case 0x86 -> push(new Tuple(popN(2)));
                    case 0x87 -> push(new Tuple(popN(3)));
                    case 'l' -> push(new ArrayList<>(popMark()));
                    case 'd' -> {
                        Map<Object, Object> m = new LinkedHashMap<>();
                        putAll(m, popMark());
                        push(m);
                    }
                    case 'a' -> list(peekBelow(1)).add(pop());
                    case 'e' -> {
                        List<Object> items = popMark();
                        list(top()).addAll(items);
                    }
                    case 's' -> {
                        Object v = pop(), k = pop();
                        map(top()).put(k, v);
                    }
                    case 'u' -> {
                        List<Object> items = popMark();
                        putAll(map(top()), items);
                    }
                    case 'N' -> push(null);
                    case 0x88 -> push(Boolean.TRUE);
                    case 0x89 -> push(Boolean.FALSE);
                    case 'J' -> push((long) in.getInt());
                    case 'K' -> push((long) u8());
                    case 'M' -> push((long) (in.getShort() & 0xffff));
                    case 0x8a -> push(long1());
                    case 'G' -> { // BINFLOAT: big-endian
                        in.order(ByteOrder.BIG_ENDIAN);
                        double v = in.getDouble();
                        in.order(ByteOrder.LITTLE_ENDIAN);
                        push(v);
                    }
                    case 'X' -> push(text(in.getInt() & 0xffffffffL, StandardCharsets.UTF_8));
                    case 0x8c -> push(text(u8(), StandardCharsets.UTF_8));
                    case 0x8d -> push(text(in.getLong(), StandardCharsets.UTF_8));
                    case 'U' -> push(text(u8(), StandardCharsets.ISO_8859_1));
                    case 'T' -> push(text(in.getInt() & 0xffffffffL, StandardCharsets.ISO_8859_1));
                    case 'q' -> memo.put(u8(), top());
                    case 'r' -> memo.put(in.getInt(), top());
                    case 0x94 -> memo.put(memo.size(), top()); // MEMOIZE
                    case 'h' -> push(memoGet(u8()));
                    case 'j' -> push(memoGet(in.getInt()));
                    case '0' -> pop(); // POP
                    case '1' -> popMark(); // POP_MARK
                    case '2' -> push(top()); // DUP
                    case 'c' -> push(global(line(), line()));
                    case 0x93 -> { // STACK_GLOBAL
                        Object name = pop(), module = pop();
                        if (!(module instanceof String m) || !(name instanceof String n)) {
                            throw refuse(file, "STACK_GLOBAL without two strings");
                        }
                        push(global(m, n));
                    }
                    case 'Q' -> push(persistent(pop())); // BINPERSID
                    case 'R' -> { // REDUCE
                        Object args = pop(), fn = pop();
                        push(reduce(fn, args));
                    }
                    case 'b' -> { // BUILD: only the attribute dict of a state_dict (its _metadata), which is dropped
                        Object state = pop();
                        if (!(top() instanceof Map) || !(state instanceof Map || state == null)) {
                            throw refuse(file, "BUILD on a " + kind(top()));
                        }
                    }
                    default -> throw refuse(file, String.format(java.util.Locale.ROOT,
                            "pickle opcode 0x%02x ('%c') is not one a state_dict uses", op, (char) op));
                }
            }
        }

        private int u8() {
            return in.get() & 0xff;
        }

        private void skip(int n) {
            in.position(in.position() + n);
        }

        private Long long1() {
            int n = u8();
            if (n > 8) throw refuse(file, "an integer of " + n + " bytes");
            long v = 0;
            for (int i = 0; i < n; i++) v |= (long) (in.get() & 0xff) << (8 * i);
            if (n > 0 && n < 8 && (v >>> (8 * n - 1) & 1) == 1) v |= -1L << (8 * n); // sign-extend
            return v;
        }

        private String text(long len, java.nio.charset.Charset cs) {
            if (len < 0 || len > in.remaining()) throw refuse(file, "a string runs past the end of the pickle");
            byte[] b = new byte[(int) len];
            in.get(b);
            return new String(b, cs);
        }

        private String line() {
            int start = in.position();
            while (in.hasRemaining() && in.get() != '\n') {
                // scan to the newline
            }
            return new String(in.array(), start, in.position() - start - 1, StandardCharsets.US_ASCII);
        }

        private void push(Object o) {
            if (stack.size() >= MAX_STACK) throw refuse(file, "its pickle stack grows beyond " + MAX_STACK);
            stack.add(o);
        }

        private Object pop() {
            if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) throw refuse(file, "its pickle pops an empty stack");
            return stack.remove(stack.size() - 1);
        }

        private Object top() {
            if (stack.isEmpty()) throw refuse(file, "its pickle reads an empty stack");
            return stack.get(stack.size() - 1);
        }

        private Object peekBelow(int n) {
            if (stack.size() <= n) throw refuse(file, "its pickle reads an empty stack");
            return stack.get(stack.size() - 1 - n);
        }

        private List<Object> popN(int n) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < n; i++) out.add(0, pop());
            return out;
        }

        private List<Object> popMark() {
            int m = stack.lastIndexOf(MARK);
            if (m < 0) throw refuse(file, "its pickle has no MARK to pop to");
            List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
            stack.subList(m, stack.size()).clear();
            return items;
        }

        private Object memoGet(int i) {
            if (!memo.containsKey(i)) throw refuse(file, "its pickle reads memo slot " + i + " before writing it");
            return memo.get(i);
        }

        @SuppressWarnings("unchecked")
        private List<Object> list(Object o) {
            if (o instanceof List<?> l && !(o instanceof Tuple)) return (List<Object>) l;
            throw refuse(file, "APPEND to a " + kind(o));
        }

        @SuppressWarnings("unchecked")
        private Map<Object, Object> map(Object o) {
            if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
            throw refuse(file, "SETITEM on a " + kind(o));
        }

        private void putAll(Map<Object, Object> m, List<Object> kv) {
            if (kv.size() % 2 != 0) throw refuse(file, "SETITEMS with an odd number of items");
            for (int i = 0; i < kv.size(); i += 2) m.put(kv.get(i), kv.get(i + 1));
        }

        private Object global(String module, String name) {
            String full = module + "." + name;
            if (module.equals("torch") && STORAGES.containsKey(name)) return new Global(full);
            if (CALLABLES.contains(full)) return new Global(full);
            throw refuse(file, "it refers to '" + full + "', which is not a tensor or a dict");
        }

        private Storage persistent(Object pid) {
            if (!(pid instanceof Tuple t) || t.items.size() != 5 || !"storage".equals(t.items.get(0))
                    || !(t.items.get(1) instanceof Global g) || !(t.items.get(2) instanceof String key)
                    || !(t.items.get(4) instanceof Long numel)) {
                throw refuse(file, "a persistent id is not ('storage', type, key, location, numel)");
            }
            String type = g.name.substring("torch.".length());
            if (!STORAGES.containsKey(type)) throw refuse(file, "storage type " + g.name + " is unknown");
            return new Storage(STORAGES.get(type), key, numel);
        }

        private Object reduce(Object fn, Object args) throws IOException {
            if (!(fn instanceof Global g) || !(args instanceof Tuple t)) throw refuse(file, "REDUCE of a " + kind(fn));
            List<Object> a = t.items;
            switch (g.name) {
                case "collections.OrderedDict" -> {
                    if (!a.isEmpty()) throw refuse(file, "OrderedDict built from arguments");
                    return new LinkedHashMap<>();
                }
                case "torch._utils._rebuild_parameter" -> {
                    if (a.size() < 2 || !(a.get(0) instanceof Dense d)) throw refuse(file, "a parameter without a tensor");
                    return d;
                }
                default -> {
                    return tensor(a);
                }
            }
        }

        /** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
        private Dense tensor(List<Object> a) throws IOException {
            if (a.size() < 6 || a.size() > 7 || !(a.get(0) instanceof Storage st) || !(a.get(1) instanceof Long offset)
                    || !(a.get(2) instanceof Tuple size) || !(a.get(3) instanceof Tuple stride)
                    || size.items.size() != stride.items.size()) {
                throw refuse(file, "a tensor whose arguments are not (storage, offset, size, stride, ...)");
            }
            int rank = size.items.size();
            long[] shape = new long[rank], step = new long[rank];
            long numel = 1, last = offset;
            for (int i = 0; i < rank; i++) {
                if (!(size.items.get(i) instanceof Long s) || !(stride.items.get(i) instanceof Long p) || s < 0 || p < 0) {
                    throw refuse(file, "a tensor with a bad size or stride");
                }
                shape[i] = s;
                step[i] = p;
                numel = Math.multiplyExact(numel, s);
                if (s > 0) last += (s - 1) * p;
            }
            float[] src = storage(st);
            if (numel > 0 && (offset < 0 || last >= src.length)) {
                throw refuse(file, "a tensor reaches past its storage " + st.key);
            }
            if (numel > Integer.MAX_VALUE - 8) throw refuse(file, "a tensor of " + numel + " elements");
            float[] out = new float[(int) numel];
            long[] at = new long[rank];
            for (int q = 0; q < out.length; q++) {
                long pos = offset;
                for (int i = 0; i < rank; i++) pos += at[i] * step[i];
                out[q] = src[(int) pos];
                for (int i = rank - 1; i >= 0; i--) { // advance the row-major multi-index
                    if (++at[i] < shape[i]) break;
                    at[i] = 0;
                }
            }
            return new Dense(st.dtype, shape, out);
        }

        private float[] storage(Storage st) throws IOException {
            float[] cached = storages.get(st.key);
            if (cached != null) return cached;
            ZipEntry e = zip.getEntry(prefix + "/data/" + st.key);
            if (e == null) throw refuse(file, "storage record data/" + st.key + " is missing");
            int item = Dtypes.size(st.dtype);
            if (st.numel < 0 || e.getSize() != st.numel * item) {
                throw refuse(file, "storage " + st.key + " declares " + st.numel + " elements but its record has "
                        + e.getSize() + " bytes");
            }
            byte[] bytes = readEntry(file, zip, e, Integer.MAX_VALUE - 64L);
            float[] out = new float[(int) st.numel];
            Dtypes.decode(st.dtype, ByteBuffer.wrap(bytes).order(order), out, 0, out.length);
            storages.put(st.key, out);
            return out;
        }
    }
}
