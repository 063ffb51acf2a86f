package org.mdlsae.io;

import org.mdlsae.InputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header dict of an {@code .npy} file, e.g. {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }},
 * parsed by a small, strict parser for the Python literals numpy writes (strings, True/False/None, integers,
 * tuples, lists, dicts). Nothing is evaluated; nesting is bounded.
 */
record NpyHeader(String descr, boolean fortranOrder, long[] shape) {
    private static final int MAX_DEPTH = 32;

    static NpyHeader parse(Path file, String text) {
        Parser p = new Parser(file, text);
        Object v = p.value(0);
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("unexpected text after the header dict");
        }
        if (!(v instanceof Map<?, ?> dict)) {
            throw p.error("header is not a dict");
        }
        Object descr = dict.get("descr");
        Object fortran = dict.get("fortran_order");
        Object shape = dict.get("shape");
        if (descr == null || fortran == null || shape == null) {
            throw p.error("header lacks one of 'descr', 'fortran_order', 'shape'");
        }
        if (!(descr instanceof String d)) {
            throw new InputException(file + ": structured dtype " + p.text.trim()
                    + " is not supported (supported: a plain float dtype such as <f4); save a plain float array");
        }
        if (!(fortran instanceof Boolean f)) {
            throw p.error("'fortran_order' is not True or False");
        }
        if (!(shape instanceof Tuple t)) {
            throw p.error("'shape' is not a tuple");
        }
        long[] dims = new long[t.items.size()];
        for (int i = 0; i < dims.length; i++) {
            if (!(t.items.get(i) instanceof Long n) || n < 0) {
                throw p.error("'shape' entry " + t.items.get(i) + " is not a non-negative integer");
            }
            dims[i] = n;
        }
        return new NpyHeader(d, f, dims);
    }

    static String shapeString(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** A Python tuple (kept distinct from a list). */
    private record Tuple(List<Object> items) {
    }

    private static final class Parser {
        final Path file;
        final String text;
        int pos;

        Parser(Path file, String text) {
            this.file = file;
            this.text = text;
        }

        InputException error(String what) {
            return new InputException(file + ": not a valid .npy file: bad header (" + what + "); re-save it with np.save");
        }

        void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        char peek() {
            skipSpace();
            if (pos >= text.length()) {
                throw error("unexpected end of header");
            }
            return text.charAt(pos);
        }

        void expect(char c) {
            if (peek() != c) {
                throw error("expected '" + c + "' at character " + pos);
            }
            pos++;
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nested too deeply");
            }
            char c = peek();
            switch (c) {
                case '{':
                    return dict(depth);
                case '(':
                    return new Tuple(sequence(')', depth));
                case '[':
                    return sequence(']', depth);
                case '\'':
                case '"':
                    return string();
                default:
                    if (c == '-' || Character.isDigit(c)) {
                        return integer();
                    }
                    if (Character.isLetter(c)) {
                        return word();
                    }
                    throw error("unexpected character '" + c + "' at " + pos);
            }
        }

        Map<String, Object> dict(int depth) {
            expect('{');
            Map<String, Object> out = new LinkedHashMap<>();
            while (peek() != '}') {
                Object key = value(depth + 1);
                if (!(key instanceof String k)) {
                    throw error("dict key is not a string");
                }
                expect(':');
                if (out.put(k, value(depth + 1)) != null) {
                    throw error("duplicate key '" + k + "'");
                }
                if (peek() == ',') {
                    pos++;
                } else if (peek() != '}') {
                    throw error("expected ',' or '}' at " + pos);
                }
            }
            pos++;
            return out;
        }

        List<Object> sequence(char close, int depth) {
            pos++; // opening bracket
            List<Object> out = new ArrayList<>();
            while (peek() != close) {
                out.add(value(depth + 1));
                if (peek() == ',') {
                    pos++;
                } else if (peek() != close) {
                    throw error("expected ',' or '" + close + "' at " + pos);
                }
            }
            pos++;
            return out;
        }

        String string() {
            char quote = text.charAt(pos++);
            StringBuilder sb = new StringBuilder();
            while (pos < text.length()) {
                char c = text.charAt(pos++);
                if (c == quote) {
                    return sb.toString();
                }
                if (c == '\\') {
                    throw error("escape sequences are not supported in header strings");
                }
                sb.append(c);
            }
            throw error("unterminated string");
        }

        Long integer() {
            int start = pos;
            if (text.charAt(pos) == '-') {
                pos++;
            }
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                pos++;
            }
            String digits = text.substring(start, pos);
            if (pos < text.length() && (text.charAt(pos) == 'L' || text.charAt(pos) == 'l')) {
                pos++; // Python 2 long suffix
            }
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw error("bad integer '" + digits + "'");
            }
        }

        Object word() {
            int start = pos;
            while (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos))) {
                pos++;
            }
            String w = text.substring(start, pos);
            return switch (w) {
                case "True" -> Boolean.TRUE;
                case "False" -> Boolean.FALSE;
                case "None" -> NONE;
                default -> throw error("unexpected word '" + w + "'");
            };
        }
    }

    private static final Object NONE = new Object();
}
