package org.mdlsae.data.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A tiny stand-in for a language model: words are split on spaces, a word of more than three letters into pieces of
 * three ("##" after the first), and a hidden state encodes what it is the state of — value c of the row at position
 * p of a sequence with token id t at layer l is t + 1000·p + 10⁵·l + c/10 — so a test can read back from the shards
 * which token of which position each row holds.
 */
final class FakeModel implements TextModel {
    static final int D = 3;
    final List<List<int[]>> batches = new ArrayList<>();

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public int dim() {
        return D;
    }

    @Override
    public int layers() {
        return 2;
    }

    @Override
    public String layerName(int layer) {
        return "h" + layer;
    }

    @Override
    public int maxContext() {
        return 12;
    }

    @Override
    public Pieces prefix() {
        return new Pieces(new int[] {1}, new String[] {"[CLS]"}, new boolean[] {true});
    }

    @Override
    public Pieces suffix() {
        return new Pieces(new int[] {2}, new String[] {"[SEP]"}, new boolean[] {true});
    }

    static int id(String piece) {
        return 10 + Math.floorMod(piece.hashCode(), 900);
    }

    @Override
    public Pieces tokenize(String text) {
        List<String> toks = new ArrayList<>();
        List<Boolean> starts = new ArrayList<>();
        for (String w : text.trim().split("\\s+")) {
            if (w.isEmpty()) continue;
            for (int i = 0; i < w.length(); i += 3) {
                toks.add((i == 0 ? "" : "##") + w.substring(i, Math.min(w.length(), i + 3)));
                starts.add(i == 0);
            }
        }
        int[] ids = new int[toks.size()];
        boolean[] st = new boolean[toks.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = id(toks.get(i));
            st[i] = starts.get(i);
        }
        return new Pieces(ids, toks.toArray(String[]::new), st);
    }

    static float value(int id, int pos, int layer, int c) {
        return id + 1000f * pos + 1e5f * layer + c / 10f;
    }

    @Override
    public List<float[]> hiddenStates(List<int[]> sequences, int layer) {
        batches.add(List.copyOf(sequences));
        List<float[]> out = new ArrayList<>();
        for (int[] s : sequences) {
            if (s.length > maxContext()) throw new IllegalArgumentException("too long: " + s.length);
            float[] h = new float[s.length * D];
            for (int p = 0; p < s.length; p++) for (int c = 0; c < D; c++) h[p * D + c] = value(s[p], p, layer, c);
            out.add(h);
        }
        return out;
    }

    @Override
    public Map<String, Object> describe() {
        return Map.of("name", "fake");
    }

    @Override
    public void close() {
    }
}
