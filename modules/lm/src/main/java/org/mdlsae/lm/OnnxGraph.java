package org.mdlsae.lm;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little of an ONNX model's protobuf that the extractor needs, read and edited with the protobuf wire format
 * directly (docs/design.md §12): the graph's nodes (name, op type, inputs, outputs), its inputs and outputs, and its
 * float initializers; and a copy of the model with more graph outputs.
 *
 * <p>Field numbers (onnx.proto3): ModelProto.graph = 7; GraphProto.node = 1, initializer = 5, input = 11,
 * output = 12; NodeProto.input = 1, output = 2, name = 3, op_type = 4; ValueInfoProto.name = 1, type = 2;
 * TypeProto.tensor_type = 1; TypeProto.Tensor.elem_type = 1 (FLOAT = 1); TensorProto.dims = 1, data_type = 2,
 * float_data = 4, name = 8, raw_data = 9. Appending an output is sound because protobuf concatenates repeated
 * fields in the order they appear: the new outputs follow the existing ones and nothing else changes, except the
 * graph's length prefix in the model.
 */
final class OnnxGraph {
    /** One node. */
    record Node(String name, String op, List<String> inputs, List<String> outputs) {
    }

    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int WIRE_VARINT = 0;
    private static final int WIRE_I64 = 1;
    private static final int WIRE_LEN = 2;
    private static final int WIRE_I32 = 5;

    private final byte[] model;
    private final int graphTag;
    private final int graphStart;
    private final int graphLength;
    private final List<Node> nodes = new ArrayList<>();
    private final List<String> inputs = new ArrayList<>();
    private final List<String> outputs = new ArrayList<>();
    /** Initializer name → [offset, length] of its TensorProto in {@link #model}. */
    private final Map<String, int[]> initializers = new LinkedHashMap<>();

    /**
     * Parses a model.
     *
     * @param model the bytes of a .onnx file
     * @throws IllegalArgumentException if they are not an ONNX model with a graph
     */
    OnnxGraph(byte[] model) {
        this.model = model;
        int tag = -1;
        int start = -1;
        int len = -1;
        Reader r = new Reader(model, 0, model.length);
        while (r.more()) {
            int at = r.pos;
            long key = r.varint();
            if ((int) (key >>> 3) == MODEL_GRAPH && (key & 7) == WIRE_LEN) {
                len = (int) r.varint();
                tag = at;
                start = r.pos;
                r.pos += len;
            } else {
                r.skip((int) (key & 7));
            }
        }
        if (start < 0) throw new IllegalArgumentException("not an ONNX model: no graph");
        this.graphTag = tag;
        this.graphStart = start;
        this.graphLength = len;
        Reader g = new Reader(model, start, start + len);
        while (g.more()) {
            long key = g.varint();
            int field = (int) (key >>> 3);
            if ((key & 7) != WIRE_LEN) {
                g.skip((int) (key & 7));
                continue;
            }
            int n = (int) g.varint();
            int at = g.pos;
            g.pos += n;
            switch (field) {
                case GRAPH_NODE -> nodes.add(node(at, n));
                case GRAPH_INPUT -> inputs.add(firstString(at, n, 1));
                case GRAPH_OUTPUT -> outputs.add(firstString(at, n, 1));
                case GRAPH_INITIALIZER -> initializers.put(firstString(at, n, 8), new int[] {at, n});
                default -> { }
            }
        }
    }

    /** @return the nodes in graph order */
    List<Node> nodes() {
        return nodes;
    }

    /** @return the graph's input names */
    List<String> inputs() {
        return inputs;
    }

    /** @return the graph's output names */
    List<String> outputs() {
        return outputs;
    }

    /**
     * A float32 initializer.
     *
     * @param name its name
     * @return its dims and values, or null if there is no such initializer
     */
    Tensor initializer(String name) {
        int[] loc = initializers.get(name);
        if (loc == null) return null;
        List<Long> dims = new ArrayList<>();
        int type = 0;
        float[] values = null;
        List<Float> packed = new ArrayList<>();
        Reader r = new Reader(model, loc[0], loc[0] + loc[1]);
        while (r.more()) {
            long key = r.varint();
            int field = (int) (key >>> 3);
            int wire = (int) (key & 7);
            if (field == 1 && wire == WIRE_VARINT) {
                dims.add(r.varint());
            } else if (field == 1 && wire == WIRE_LEN) {
                int n = (int) r.varint();
                int end = r.pos + n;
                while (r.pos < end) dims.add(r.varint());
            } else if (field == 2 && wire == WIRE_VARINT) {
                type = (int) r.varint();
            } else if (field == 9 && wire == WIRE_LEN) {
                int n = (int) r.varint();
                values = new float[n / 4];
                ByteBuffer.wrap(model, r.pos, n).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
                r.pos += n;
            } else if (field == 4 && wire == WIRE_LEN) {
                int n = (int) r.varint();
                ByteBuffer b = ByteBuffer.wrap(model, r.pos, n).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n / 4; i++) packed.add(b.getFloat());
                r.pos += n;
            } else {
                r.skip(wire);
            }
        }
        if (type != 1) throw new IllegalArgumentException("initializer " + name + " is not float32 (data_type " + type + ")");
        if (values == null) {
            values = new float[packed.size()];
            for (int i = 0; i < values.length; i++) values[i] = packed.get(i);
        }
        return new Tensor(dims.stream().mapToLong(Long::longValue).toArray(), values);
    }

    /** A float tensor. */
    record Tensor(long[] dims, float[] values) {
    }

    /**
     * A copy of the model whose graph has these values as extra float outputs (after the existing ones).
     *
     * @param names values computed by some node of the graph
     * @return the new model bytes
     * @throws IllegalArgumentException if a name is not a node's output
     */
    byte[] withOutputs(List<String> names) {
        ByteArrayOutputStream extra = new ByteArrayOutputStream();
        for (String name : names) {
            boolean known = nodes.stream().anyMatch(n -> n.outputs().contains(name));
            if (!known) throw new IllegalArgumentException("no node of the graph computes " + name);
            byte[] tensorType = varintField(1, 1); // elem_type FLOAT
            byte[] type = lengthField(1, tensorType);
            byte[] valueInfo = concat(lengthField(1, name.getBytes(StandardCharsets.UTF_8)), lengthField(2, type));
            extra.writeBytes(lengthField(GRAPH_OUTPUT, valueInfo));
        }
        byte[] ex = extra.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(model.length + ex.length + 16);
        out.write(model, 0, graphTag);
        putVarint(out, (MODEL_GRAPH << 3) | WIRE_LEN);
        putVarint(out, (long) graphLength + ex.length);
        out.write(model, graphStart, graphLength);
        out.writeBytes(ex);
        out.write(model, graphStart + graphLength, model.length - graphStart - graphLength);
        return out.toByteArray();
    }

    private Node node(int at, int n) {
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        String name = "";
        String op = "";
        Reader r = new Reader(model, at, at + n);
        while (r.more()) {
            long key = r.varint();
            int field = (int) (key >>> 3);
            if ((key & 7) != WIRE_LEN || field < 1 || field > 4) {
                r.skip((int) (key & 7));
                continue;
            }
            String s = r.string();
            switch (field) {
                case 1 -> in.add(s);
                case 2 -> out.add(s);
                case 3 -> name = s;
                case 4 -> op = s;
                default -> { }
            }
        }
        return new Node(name, op, List.copyOf(in), List.copyOf(out));
    }

    private String firstString(int at, int n, int field) {
        Reader r = new Reader(model, at, at + n);
        while (r.more()) {
            long key = r.varint();
            if ((int) (key >>> 3) == field && (key & 7) == WIRE_LEN) return r.string();
            r.skip((int) (key & 7));
        }
        return "";
    }

    private static byte[] lengthField(int field, byte[] body) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(body.length + 8);
        putVarint(o, ((long) field << 3) | WIRE_LEN);
        putVarint(o, body.length);
        o.writeBytes(body);
        return o.toByteArray();
    }

    private static byte[] varintField(int field, long v) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(8);
        putVarint(o, (long) field << 3);
        putVarint(o, v);
        return o.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static void putVarint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7fL) != 0) {
            o.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }

    /** A cursor over protobuf bytes. */
    private static final class Reader {
        private final byte[] b;
        private final int end;
        int pos;

        Reader(byte[] b, int from, int end) {
            this.b = b;
            this.pos = from;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) throw new IllegalArgumentException("truncated ONNX protobuf");
                int x = b[pos++] & 0xff;
                v |= (long) (x & 0x7f) << shift;
                if (x < 0x80) return v;
            }
            throw new IllegalArgumentException("malformed varint in ONNX protobuf");
        }

        String string() {
            int n = (int) varint();
            String s = new String(b, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        void skip(int wire) {
            switch (wire) {
                case WIRE_VARINT -> varint();
                case WIRE_I64 -> pos += 8;
                case WIRE_LEN -> {
                    int n = (int) varint(); // not "pos += varint()": that would add to pos as it was before the length
                    pos += n;
                }
                case WIRE_I32 -> pos += 4;
                default -> throw new IllegalArgumentException("unsupported protobuf wire type " + wire);
            }
            if (pos > end) throw new IllegalArgumentException("truncated ONNX protobuf");
        }
    }
}
