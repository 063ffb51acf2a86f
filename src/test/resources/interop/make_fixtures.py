"""Write one SAE fixture per format and case, laid out as each project's own save code lays it out, with the
reference reconstruction and metrics computed in numpy (docs/design.md §7). Needs nothing but numpy and the
standard library: safetensors, .npz and PyTorch's zip checkpoint bytes are written by hand.

usage: python3 make_fixtures.py OUT_DIR

Writes OUT_DIR/x.npy (the activations), one folder (or file) per fixture, and OUT_DIR/fixtures.json describing
each: where to point --sae, the extra flags, the expected architecture and k, the reference metrics, the reference
description length at a tolerance, and NAME.xhat.npy (the reference reconstruction).

Save code followed (repository: path):
  SAELens 6.18   jbloomAus/SAELens: sae_lens/saes/sae.py (SAE.save_model, SAEConfig.to_dict, SAEMetadata),
                 sae_lens/saes/{standard,topk,jumprelu,gated,batchtopk}_sae.py (forward passes,
                 TopKTrainingSAE.process_state_dict_for_saving_inference, BatchTopKTrainingSAE's threshold),
                 sae_lens/training/activation_scaler.py (activation_scaler.json),
                 sae_lens/loading/pretrained_sae_loaders.py (handle_config_defaulting, read_sae_components_from_disk)
  SAELens 5.11   jbloomAus/SAELens@v5.11.0: sae_lens/sae.py (SAEConfig.to_dict, SAE.save_model, TopK,
                 encode_standard, finetuning scaling factor)
  sparsify       EleutherAI/sparsify: sparsify/sparse_coder.py (save_to_disk, encode, decode),
                 sparsify/config.py (SparseCoderConfig), sparsify/trainer.py (one folder per hook point),
                 sparsify/fused_encoder.py (relu, then top-k)
  Gemma Scope    jbloomAus/SAELens: sae_lens/loading/pretrained_sae_loaders.py (gemma_2_sae_huggingface_loader:
                 params.npz with w_/W_ arrays; get_gemma_2_config_from_hf: jumprelu, apply_b_dec_to_input False)
  dictionary_learning  saprmarks/dictionary_learning: dictionary_learning/training.py (final ae.pt is
                 {k: v.cpu() for k, v in ae.state_dict().items()}, config.json {"trainer": ..., "buffer": ...}),
                 dictionary_learning/dictionary.py (AutoEncoder, GatedAutoEncoder, JumpReluAutoEncoder,
                 AutoEncoderNew), trainers/top_k.py, trainers/batch_top_k.py, trainers/matryoshka_batch_top_k.py
  PyTorch        torch/serialization.py (_save: pickle protocol 2 with persistent ids ('storage', type, key,
                 location, numel), records ARCHIVE/data.pkl, ARCHIVE/byteorder, ARCHIVE/data/KEY, 64-byte aligned)
  safetensors    huggingface/safetensors (header JSON, tensors ordered by dtype then name, padded to 8 bytes)
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import types
import zipfile

import numpy as np

N, D_IN, D_SAE, K = 256, 16, 48, 4
RNG = np.random.default_rng(20240611)

# ----------------------------------------------------------------------------------------------- writers

ST_DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16", np.dtype(np.float64): "F64"}
ST_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64",
            "I64", "U64"]


def bf16(a):
    """float32 -> bfloat16 bits (round to nearest even), and the float32 values they stand for."""
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    return rounded, (rounded.astype(np.uint32) << 16).view(np.float32)


def write_safetensors(path, tensors, metadata=None):
    """tensors: name -> (dtype name, raw little-endian bytes, shape). Layout of safetensors' serialize."""
    order = sorted(tensors, key=lambda n: (-ST_ORDER.index(tensors[n][0]), n))
    header, offset, blobs = {}, 0, []
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in order:
        dtype, raw, shape = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def st(a, dtype="F32"):
    """A numpy array as a safetensors entry, stored in dtype; returns (entry, the values as stored)."""
    a = np.asarray(a, dtype=np.float32)
    if dtype == "BF16":
        bits, vals = bf16(a)
        return ("BF16", bits.astype("<u2").tobytes(), a.shape), vals.reshape(a.shape)
    np_t = {"F32": np.float32, "F16": np.float16, "F64": np.float64}[dtype]
    stored = a.astype(np_t)
    return (dtype, stored.astype(stored.dtype.newbyteorder("<")).tobytes(), a.shape), stored.astype(np.float64)


# PyTorch's zip checkpoint, pickled by Python's own pickle module exactly as torch.save does (protocol 2, persistent
# ids for storages, tensors reduced to torch._utils._rebuild_tensor_v2). The names resolve to stand-ins registered
# under the module names torch uses; no torch code is involved.
_torch = types.ModuleType("torch")
_utils = types.ModuleType("torch._utils")


def _rebuild_tensor_v2(*args):  # pragma: no cover - only its name is pickled
    raise RuntimeError("stand-in")


_rebuild_tensor_v2.__module__ = "torch._utils"
_utils._rebuild_tensor_v2 = _rebuild_tensor_v2
_torch._utils = _utils
STORAGE_TYPES = {}
for _name in ["FloatStorage", "HalfStorage", "BFloat16Storage", "DoubleStorage", "IntStorage", "LongStorage"]:
    _cls = type(_name, (), {"__module__": "torch"})
    setattr(_torch, _name, _cls)
    STORAGE_TYPES[_name] = _cls
sys.modules.setdefault("torch", _torch)
sys.modules.setdefault("torch._utils", _utils)


class Storage:
    def __init__(self, kind, data):
        self.kind, self.data = kind, data  # data: 1-D numpy array in the storage's dtype


class Tensor:
    """A tensor view (storage, offset, size, stride), reduced like torch.Tensor._reduce_ex_internal."""

    def __init__(self, storage, size, stride, offset=0):
        self.storage, self.size, self.stride, self.offset = storage, tuple(size), tuple(stride), offset

    def __reduce_ex__(self, protocol):
        return _rebuild_tensor_v2, (self.storage, self.offset, self.size, self.stride, False,
                                    collections.OrderedDict())


def contiguous(a, kind="FloatStorage"):
    a = np.asarray(a)
    np_t = {"FloatStorage": np.float32, "IntStorage": np.int32, "LongStorage": np.int64}[kind]
    flat = np.ascontiguousarray(a, dtype=np_t).reshape(-1)
    stride, acc = [], 1
    for s in reversed(a.shape):
        stride.insert(0, acc)
        acc *= s
    return Tensor(Storage(kind, flat), a.shape, stride)


def torch_save(obj, path):
    keys = {}

    class Pickler(pickle.Pickler):
        def persistent_id(self, o):
            if isinstance(o, Storage):
                key = keys.setdefault(id(o), (str(len(keys)), o))[0]
                return ("storage", STORAGE_TYPES[o.kind], key, "cpu", o.data.size)
            return None

    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(obj)
    archive = os.path.splitext(os.path.basename(path))[0]
    records = [("data.pkl", buf.getvalue()), (".format_version", b"1"), (".storage_alignment", b"64"),
               ("byteorder", b"little")]
    for key, o in sorted(keys.values(), key=lambda kv: int(kv[0])):
        records.append(("data/" + key, o.data.astype(o.data.dtype.newbyteorder("<")).tobytes()))
    records += [("version", b"3\n"), (".data/serialization_id", b"0123456789012345678901234567890123456789")]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in records:
            info = zipfile.ZipInfo(archive + "/" + name, date_time=(1980, 1, 1, 0, 0, 0))
            header = 30 + len(info.filename.encode())
            pos = z.fp.tell() + header + 4  # 4 bytes of extra-field header before the padding
            info.extra = struct.pack("<HH", 0x4246, (-pos) % 64) + b"Z" * ((-pos) % 64)  # miniz's "FB" alignment
            z.writestr(info, data)


# ----------------------------------------------------------------------------------------------- forward passes


def relu(a):
    return np.maximum(a, 0.0)


def topk_rows(pre, k):
    """SAELens/sparsify TopK: the k largest entries per row (ties: lower index), then ReLU."""
    idx = np.argsort(-pre, axis=1, kind="stable")[:, :k]
    z = np.zeros_like(pre)
    np.put_along_axis(z, idx, relu(np.take_along_axis(pre, idx, axis=1)), axis=1)
    return z


def sae_forward(x, W_enc, b_enc, W_dec, b_dec, act, apply_b_dec=True, rescale=False, ft=None, scale=None):
    """SAELens' forward pass (encode + decode) in float64; act(pre) -> z."""
    x = x.astype(np.float64)
    if scale is not None:
        x = x * scale  # ActivationScaler.scale
    sae_in = x - b_dec if apply_b_dec else x
    pre = sae_in @ W_enc + b_enc
    norms = np.linalg.norm(W_dec, axis=1)
    if rescale:
        pre = pre * norms
    z = act(pre)
    zd = z / norms if rescale else z
    if ft is not None:
        zd = zd * ft
    xhat = zd @ W_dec + b_dec
    if scale is not None:
        xhat = xhat / scale
    return z, xhat


# ----------------------------------------------------------------------------------------------- reference numbers


def metrics(x, z, xhat):
    x = x.astype(np.float64)
    r = x - xhat
    sse = float((r ** 2).sum())
    var = float(((x - x.mean(axis=0)) ** 2).sum())
    nx, nh = np.linalg.norm(x, axis=1), np.linalg.norm(xhat, axis=1)
    ok = (nx > 0) & (nh > 0)
    fires = (z > 0).sum(axis=0)
    return {
        "mse": sse / x.size, "mse_per_token": sse / x.shape[0], "fvu": sse / var, "explained_variance": 1 - sse / var,
        "cossim": float(((x * xhat).sum(axis=1)[ok] / (nx[ok] * nh[ok])).mean()),
        "l2_ratio": float((nh / np.where(nx < 1e-4, 1.0, nx)).mean()),
        "l0": float((z > 0).sum() / x.shape[0]), "dead_fraction": float((fires == 0).sum() / z.shape[1]),
    }


def description_length(x, z, W_dec_eff, b_dec_eff, mse):
    """DL of docs/design.md §2.3 with the quantiser calibrated on x itself (as `dl --data FILE` does)."""
    z32 = z.astype(np.float32)
    mx = z32.max(axis=0)
    x64 = x.astype(np.float64)
    curve, bins_at, ambiguous = [], {}, []
    for bits in range(1, 17):
        levels = np.float32(1 << bits)
        with np.errstate(divide="ignore"):
            scale = np.where(mx > 0, levels / mx, np.float32(0)).astype(np.float32)
        y = (z32 * scale).astype(np.float32)
        b = np.minimum(np.where(y >= levels, levels - 1, np.floor(y)), levels - 1).astype(np.int64)
        centre = ((b.astype(np.float32) + np.float32(0.5)) * mx / levels).astype(np.float32)
        zq = np.where((z32 > 0) & (mx > 0), centre, np.float32(0)).astype(np.float64)
        curve.append(float(((x64 - (zq @ W_dec_eff + b_dec_eff)) ** 2).sum() / x.size))
        bins_at[bits] = (b, y)
        # active values whose scaled value lies within float32 noise of an inner bin edge: the engine's float32
        # encoder may put them in the neighbouring bin
        ya = y[(z32 > 0) & (mx > 0)]
        edge = np.rint(ya)
        ambiguous.append(int(((np.abs(ya - edge) < 1e-6 * np.maximum(ya, 1)) & (edge > 0) & (edge < levels)).sum()))
    # a tolerance half-way between B*'s quantised MSE and the nearest miss of the smaller B, so that float32
    # rounding cannot move B* (PrecisionSearch.epsilon: the first B whose quantised MSE is <= eps)
    target = mse * 1.001
    bstar = next(b for b in range(1, 17) if curve[b - 1] <= target)
    lo = max(curve[bstar - 1], mse)
    hi = min(curve[:bstar - 1]) if bstar > 1 else 2 * target
    eps = (lo + hi) / 2
    b, y = bins_at[bstar]
    active = (z32 > 0) & (mx > 0)
    n = x.shape[0]
    dl = 0.0
    for j in range(z.shape[1]):
        vals = b[active[:, j], j]
        if vals.size == 0:
            continue
        p = vals.size / n
        h = 0.0 if p in (0.0, 1.0) else -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
        _, counts = np.unique(vals, return_counts=True)
        q = counts / counts.sum()
        dl += h + p * float(-(q * np.log2(q)).sum())
    l0 = float((z > 0).sum() / n)
    return {"eps": eps, "bits": bstar, "dl_bits": dl, "dl_bound_bits": l0 * (bstar + np.log2(z.shape[1])),
            "dense_bits": x.shape[1] * bstar, "mse_quantized": curve[bstar - 1], "mse_by_bits": curve,
            "ambiguous_by_bits": ambiguous}


# ----------------------------------------------------------------------------------------------- fixtures


ATOMS = RNG.normal(size=(D_SAE, D_IN))
ATOMS /= np.linalg.norm(ATOMS, axis=1, keepdims=True)


def weights(dec_norms=None):
    """A plausible SAE for the activations: the data's dictionary, perturbed, with a tied-ish encoder."""
    W_dec = ATOMS + 0.15 * RNG.normal(size=ATOMS.shape)
    W_dec /= np.linalg.norm(W_dec, axis=1, keepdims=True)
    if dec_norms is not None:
        W_dec *= dec_norms[:, None]
    W_enc = W_dec.T / (np.linalg.norm(W_dec, axis=1) ** 2) + 0.05 * RNG.normal(size=(D_IN, D_SAE))
    b_enc = -0.3 + 0.1 * RNG.normal(size=D_SAE)
    return (W_enc.astype(np.float32), b_enc.astype(np.float32), W_dec.astype(np.float32),
            (0.05 * RNG.normal(size=D_IN)).astype(np.float32))


def saelens6_cfg(arch, dtype="float32", **extra):
    """SAEConfig.to_dict() of SAELens 6.18 (fields, then metadata and architecture)."""
    cfg = {"d_in": D_IN, "d_sae": D_SAE, "dtype": dtype, "device": "cpu", "apply_b_dec_to_input": True,
           "normalize_activations": "none", "reshape_activations": "none"}
    cfg.update(extra)
    cfg["metadata"] = {"sae_lens_version": "6.18.0", "sae_lens_training_version": "6.18.0", "model_name": "gpt2",
                       "hook_name": "blocks.8.hook_resid_pre", "hook_head_index": None, "context_size": 128,
                       "prepend_bos": True, "dataset_path": "monology/pile-uncopyrighted",
                       "model_from_pretrained_kwargs": {}, "seqpos_slice": [None]}
    cfg["architecture"] = arch
    return cfg


def saelens5_cfg(arch, act, kwargs, ft=False):
    """SAEConfig.to_dict() of SAELens 5.11."""
    return {"architecture": arch, "d_in": D_IN, "d_sae": D_SAE, "dtype": "float32", "device": "cpu",
            "model_name": "gpt2", "hook_name": "blocks.8.hook_resid_pre", "hook_layer": 8, "hook_head_index": None,
            "activation_fn_str": act, "activation_fn_kwargs": kwargs, "apply_b_dec_to_input": True,
            "finetuning_scaling_factor": ft, "sae_lens_training_version": "5.11.0", "prepend_bos": True,
            "dataset_path": "monology/pile-uncopyrighted", "dataset_trust_remote_code": True, "context_size": 128,
            "normalize_activations": "none", "neuronpedia_id": None, "model_from_pretrained_kwargs": {},
            "seqpos_slice": [None]}


def save_saelens(out, name, cfg, tensors, dtype="F32", extra_files=None):
    folder = os.path.join(out, name)
    os.makedirs(folder)
    entries, stored = {}, {}
    for key, a in tensors.items():
        entries[key], stored[key] = st(a, dtype)
    write_safetensors(os.path.join(folder, "sae_weights.safetensors"), entries)
    with open(os.path.join(folder, "cfg.json"), "w") as f:
        json.dump(cfg, f)
    for fname, content in (extra_files or {}).items():
        with open(os.path.join(folder, fname), "w") as f:
            json.dump(content, f)
    return stored


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    # activations: sparse non-negative mixtures of directions plus noise
    codes = RNG.exponential(size=(N, D_SAE)) * (RNG.random((N, D_SAE)) < 0.06)
    x = (codes @ ATOMS + 0.05 * RNG.normal(size=(N, D_IN))).astype(np.float32)
    np.save(os.path.join(out, "x.npy"), x)
    fixtures = {}

    def record(name, sae, arch, k, z, xhat, W_dec_eff, b_dec_eff, args=(), fmt=None):
        m = metrics(x, z, xhat)
        np.save(os.path.join(out, name + ".xhat.npy"), xhat.astype(np.float32))
        fixtures[name] = {"sae": sae, "args": list(args), "format": fmt, "architecture": arch, "k": k,
                          "d_in": D_IN, "d_sae": D_SAE, "metrics": m,
                          "dl": description_length(x, z, W_dec_eff, b_dec_eff, m["mse"])}

    jump = lambda th: (lambda pre: relu(pre) * (pre > th))

    # --- SAELens 6: standard, topk, topk with rescale_acts_by_decoder_norm, jumprelu, BatchTopK saved for
    #     inference, gated, apply_b_dec_to_input false, float16 and bfloat16 weights, expected_average_only_in
    W_enc, b_enc, W_dec, b_dec = weights()
    s = save_saelens(out, "saelens6-standard", saelens6_cfg("standard"),
                     {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec})
    z, xh = sae_forward(x, s["W_enc"], s["b_enc"], s["W_dec"], s["b_dec"], relu)
    record("saelens6-standard", "saelens6-standard", "standard", None, z, xh, s["W_dec"], s["b_dec"])

    W_enc, b_enc, W_dec, b_dec = weights()
    s = save_saelens(out, "saelens6-topk", saelens6_cfg("topk", k=K, rescale_acts_by_decoder_norm=False),
                     {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec})
    z, xh = sae_forward(x, s["W_enc"], s["b_enc"], s["W_dec"], s["b_dec"], lambda p: topk_rows(p, K))
    record("saelens6-topk", "saelens6-topk", "topk", K, z, xh, s["W_dec"], s["b_dec"])

    W_enc, b_enc, W_dec, b_dec = weights(dec_norms=RNG.uniform(0.3, 3.0, D_SAE))
    s = save_saelens(out, "saelens6-topk-rescale", saelens6_cfg("topk", k=K, rescale_acts_by_decoder_norm=True),
                     {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec})
    z, xh = sae_forward(x, s["W_enc"], s["b_enc"], s["W_dec"], s["b_dec"], lambda p: topk_rows(p, K), rescale=True)
    norms = np.linalg.norm(s["W_dec"], axis=1)
    record("saelens6-topk-rescale", "saelens6-topk-rescale", "topk", K, z, xh, s["W_dec"] / norms[:, None], s["b_dec"])

    W_enc, b_enc, W_dec, b_dec = weights()
    theta = RNG.uniform(-0.2, 0.8, D_SAE).astype(np.float32)
    s = save_saelens(out, "saelens6-jumprelu", saelens6_cfg("jumprelu"),
                     {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec, "threshold": theta})
    z, xh = sae_forward(x, s["W_enc"], s["b_enc"], s["W_dec"], s["b_dec"], jump(s["threshold"]))
    record("saelens6-jumprelu", "saelens6-jumprelu", "jumprelu", None, z, xh, s["W_dec"], s["b_dec"])

    # BatchTopKTrainingSAE.save_inference_model: decoder norm folded (rescale_acts_by_decoder_norm defaults to True),
    # topk_threshold becomes every latent's threshold, and the JumpReLU config has no k
    W_enc, b_enc, W_dec, b_dec = weights()
    s = save_saelens(out, "saelens6-batchtopk", saelens6_cfg("jumprelu"),
                     {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec,
                      "threshold": np.full(D_SAE, 0.4, np.float32)})
    z, xh = sae_forward(x, s["W_enc"], s["b_enc"], s["W_dec"], s["b_dec"], jump(s["threshold"]))
    record("saelens6-batchtopk", "saelens6-batchtopk", "jumprelu", None, z, xh, s["W_dec"], s["b_dec"])

    W_enc, _, W_dec, b_dec = weights()
    r_mag = (0.3 * RNG.normal(size=D_SAE)).astype(np.float32)
    b_gate = (0.4 * RNG.normal(size=D_SAE)).astype(np.float32)
    b_mag = (0.4 * RNG.normal(size=D_SAE)).astype(np.float32)
    s = save_saelens(out, "saelens6-gated", saelens6_cfg("gated"),
                     {"W_enc": W_enc, "b_gate": b_gate, "b_mag": b_mag, "r_mag": r_mag, "W_dec": W_dec, "b_dec": b_dec})
    sae_in = x.astype(np.float64) - s["b_dec"]
    gate = (sae_in @ s["W_enc"] + s["b_gate"]) > 0  # GatedSAE.encode
    z = gate * relu(sae_in @ (s["W_enc"] * np.exp(s["r_mag"])) + s["b_mag"])
    record("saelens6-gated", "saelens6-gated", "jumprelu", None, z, z @ s["W_dec"] + s["b_dec"], s["W_dec"], s["b_dec"])

    W_enc, b_enc, W_dec, b_dec = weights()
    s = save_saelens(out, "saelens6-no-bdec", saelens6_cfg("standard", apply_b_dec_to_input=False),
                     {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec})
    z, xh = sae_forward(x, s["W_enc"], s["b_enc"], s["W_dec"], s["b_dec"], relu, apply_b_dec=False)
    record("saelens6-no-bdec", "saelens6-no-bdec", "standard", None, z, xh, s["W_dec"], s["b_dec"])

    W_enc, b_enc, W_dec, b_dec = weights()
    s = save_saelens(out, "saelens6-f16", saelens6_cfg("topk", dtype="float16", k=K, rescale_acts_by_decoder_norm=False),
                     {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec}, dtype="F16")
    z, xh = sae_forward(x, s["W_enc"], s["b_enc"], s["W_dec"], s["b_dec"], lambda p: topk_rows(p, K))
    record("saelens6-f16", "saelens6-f16", "topk", K, z, xh, s["W_dec"], s["b_dec"])

    W_enc, b_enc, W_dec, b_dec = weights()
    theta = RNG.uniform(0.0, 1.0, D_SAE).astype(np.float32)
    s = save_saelens(out, "saelens6-bf16", saelens6_cfg("jumprelu", dtype="bfloat16"),
                     {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec, "threshold": theta}, dtype="BF16")
    z, xh = sae_forward(x, s["W_enc"], s["b_enc"], s["W_dec"], s["b_dec"], jump(s["threshold"]))
    record("saelens6-bf16", "saelens6-bf16", "jumprelu", None, z, xh, s["W_dec"], s["b_dec"])

    # a SAELens 6 training checkpoint: normalize_activations expected_average_only_in with the ActivationScaler's
    # scaling factor beside it (SAETrainer.save_trainer_state); the trained weights expect inputs × s
    W_enc, b_enc, W_dec, b_dec = weights()
    scale = 2.5
    s = save_saelens(out, "saelens6-scaler", saelens6_cfg("standard", normalize_activations="expected_average_only_in"),
                     {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec},
                     extra_files={"activation_scaler.json": {"scaling_factor": scale}})
    z, xh = sae_forward(x, s["W_enc"], s["b_enc"], s["W_dec"], s["b_dec"], relu, scale=scale)
    record("saelens6-scaler", "saelens6-scaler", "standard", None, z, xh, s["W_dec"] / scale, s["b_dec"] / scale)

    # --- SAELens 5: TopK through activation_fn_str/activation_fn_kwargs; a finetuning scaling factor
    W_enc, b_enc, W_dec, b_dec = weights()
    s = save_saelens(out, "saelens5-topk", saelens5_cfg("topk", "topk", {"k": K}),
                     {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec})
    z, xh = sae_forward(x, s["W_enc"], s["b_enc"], s["W_dec"], s["b_dec"], lambda p: topk_rows(p, K))
    record("saelens5-topk", "saelens5-topk", "topk", K, z, xh, s["W_dec"], s["b_dec"])

    W_enc, b_enc, W_dec, b_dec = weights()
    ft = RNG.uniform(0.5, 1.5, D_SAE).astype(np.float32)
    s = save_saelens(out, "saelens5-standard-ft", saelens5_cfg("standard", "relu", {}, ft=True),
                     {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec, "scaling_factor": ft})
    z, xh = sae_forward(x, s["W_enc"], s["b_enc"], s["W_dec"], s["b_dec"], relu, ft=s["scaling_factor"])
    record("saelens5-standard-ft", "saelens5-standard-ft", "standard", None, z, xh,
           s["W_dec"] * s["scaling_factor"][:, None], s["b_dec"])

    # --- sparsify: one hook point, and a run folder with two (bfloat16, as sparsify trains under bf16)
    def sparsify_sae(folder, dtype):
        os.makedirs(folder)
        W_enc, b_enc, W_dec, b_dec = weights()
        cfg = {"activation": "topk", "expansion_factor": D_SAE // D_IN, "normalize_decoder": True, "num_latents": D_SAE,
               "k": K, "multi_topk": False, "skip_connection": False, "transcode": False, "d_in": D_IN}
        with open(os.path.join(folder, "cfg.json"), "w") as f:
            json.dump(cfg, f)
        entries, stored = {}, {}
        for key, a in {"encoder.weight": W_enc.T, "encoder.bias": b_enc, "W_dec": W_dec, "b_dec": b_dec}.items():
            entries[key], stored[key] = st(a, dtype)
        write_safetensors(os.path.join(folder, "sae.safetensors"), entries)
        pre = relu((x.astype(np.float64) - stored["b_dec"]) @ stored["encoder.weight"].T + stored["encoder.bias"])
        z = topk_rows(pre, K)
        return z, z @ stored["W_dec"] + stored["b_dec"], stored

    z, xh, s = sparsify_sae(os.path.join(out, "sparsify"), "F32")
    record("sparsify", "sparsify", "topk", K, z, xh, s["W_dec"], s["b_dec"])
    run = os.path.join(out, "sparsify-run")
    sparsify_sae(os.path.join(run, "layers.0"), "BF16")
    z, xh, s = sparsify_sae(os.path.join(run, "layers.1"), "BF16")
    with open(os.path.join(run, "config.json"), "w") as f:
        json.dump({"sae": {"k": K}, "hookpoints": ["layers.0", "layers.1"]}, f)
    record("sparsify-run", "sparsify-run", "topk", K, z, xh, s["W_dec"], s["b_dec"], args=["--hookpoint", "layers.1"])

    # --- Gemma Scope: params.npz, JumpReLU, b_dec not subtracted from the input
    W_enc, b_enc, W_dec, b_dec = weights()
    theta = RNG.uniform(0.0, 1.0, D_SAE).astype(np.float32)
    os.makedirs(os.path.join(out, "gemma-scope"))
    np.savez(os.path.join(out, "gemma-scope", "params.npz"), w_enc=W_enc, w_dec=W_dec, b_enc=b_enc, b_dec=b_dec,
             threshold=theta)
    z, xh = sae_forward(x, W_enc.astype(np.float64), b_enc, W_dec.astype(np.float64), b_dec, jump(theta),
                        apply_b_dec=False)
    record("gemma-scope", "gemma-scope/params.npz", "jumprelu", None, z, xh, W_dec.astype(np.float64), b_dec)

    # --- dictionary_learning: ae.pt (torch.save of the state_dict) + config.json
    def dl_save(name, state, dict_class, trainer=None, ordered=False):
        folder = os.path.join(out, name)
        os.makedirs(folder)
        if ordered:  # torch.save(ae.state_dict()): an OrderedDict carrying _metadata
            sd = collections.OrderedDict(state)
            sd._metadata = collections.OrderedDict([("", {"version": 1})])
        else:  # training.py: {k: v.cpu() for k, v in ae.state_dict().items()}
            sd = dict(state)
        torch_save(sd, os.path.join(folder, "ae.pt"))
        if dict_class is not None:
            cfg = {"trainer": {"dict_class": dict_class, "trainer_class": dict_class + "Trainer", "activation_dim": D_IN,
                               "dict_size": D_SAE, "lr": 1e-4, "layer": 8, "lm_name": "EleutherAI/pythia-70m-deduped",
                               **(trainer or {})},
                   "buffer": {"d_submodule": D_IN, "ctx_len": 128}}
            with open(os.path.join(folder, "config.json"), "w") as f:
                json.dump(cfg, f, indent=4)
        return name

    def f64(a):
        return np.asarray(a, np.float32).astype(np.float64)

    # AutoEncoder: encoder.weight is w.clone().T, a transposed (non-contiguous) view
    W_enc, b_enc, W_dec, b_dec = weights()
    w = np.ascontiguousarray(W_enc)  # [d, D]
    state = {"bias": contiguous(b_dec), "encoder.weight": Tensor(Storage("FloatStorage", w.reshape(-1)), (D_SAE, D_IN), (1, D_SAE)),
             "encoder.bias": contiguous(b_enc), "decoder.weight": contiguous(W_dec.T)}
    dl_save("dl-autoencoder", state, "AutoEncoder")
    z = relu((x - f64(b_dec)) @ f64(W_enc) + f64(b_enc))
    record("dl-autoencoder", "dl-autoencoder", "standard", None, z, z @ f64(W_dec) + f64(b_dec), f64(W_dec), f64(b_dec))

    W_enc, b_enc, W_dec, b_dec = weights()
    state = {"encoder.weight": contiguous(W_enc.T), "encoder.bias": contiguous(b_enc),
             "decoder.weight": contiguous(W_dec.T), "decoder.bias": contiguous(b_dec)}
    dl_save("dl-autoencoder-new", state, None)  # no config.json: the entries identify the class
    z = relu(x @ f64(W_enc) + f64(b_enc))
    record("dl-autoencoder-new", "dl-autoencoder-new/ae.pt", "standard", None, z, z @ f64(W_dec) + f64(b_dec),
           f64(W_dec), f64(b_dec))

    def topk_state(W_enc, b_enc, W_dec, b_dec, threshold):
        return {"k": contiguous(np.array(K), "IntStorage"), "threshold": contiguous(np.array(threshold, np.float32)),
                "decoder.weight": contiguous(W_dec.T), "encoder.weight": contiguous(W_enc.T),
                "encoder.bias": contiguous(b_enc), "b_dec": contiguous(b_dec)}

    W_enc, b_enc, W_dec, b_dec = weights()
    dl_save("dl-topk", topk_state(W_enc, b_enc, W_dec, b_dec, 0.25), "AutoEncoderTopK", {"k": K})
    z = topk_rows(relu((x - f64(b_dec)) @ f64(W_enc) + f64(b_enc)), K)  # use_threshold=False by default
    record("dl-topk", "dl-topk", "topk", K, z, z @ f64(W_dec) + f64(b_dec), f64(W_dec), f64(b_dec))

    W_enc, b_enc, W_dec, b_dec = weights()
    dl_save("dl-batchtopk", topk_state(W_enc, b_enc, W_dec, b_dec, 0.6), "BatchTopKSAE", {"k": K})
    post = relu((x - f64(b_dec)) @ f64(W_enc) + f64(b_enc))
    z = post * (post > np.float32(0.6))  # use_threshold=True by default
    record("dl-batchtopk", "dl-batchtopk", "batchtopk", K, z, z @ f64(W_dec) + f64(b_dec), f64(W_dec), f64(b_dec))

    W_enc, b_enc, W_dec, b_dec = weights()
    groups = np.array([16, 16, 16])
    state = {"k": contiguous(np.array(K), "IntStorage"), "threshold": contiguous(np.array(0.5, np.float32)),
             "group_sizes": contiguous(groups, "LongStorage"), "W_enc": contiguous(W_enc), "b_enc": contiguous(b_enc),
             "W_dec": contiguous(W_dec), "b_dec": contiguous(b_dec)}
    dl_save("dl-matryoshka", state, "MatryoshkaBatchTopKSAE", {"k": K, "group_fractions": [1 / 3] * 3})
    post = relu((x - f64(b_dec)) @ f64(W_enc) + f64(b_enc))
    z = post * (post > np.float32(0.5))
    record("dl-matryoshka", "dl-matryoshka", "batchtopk", K, z, z @ f64(W_dec) + f64(b_dec), f64(W_dec), f64(b_dec))

    W_enc, b_enc, W_dec, b_dec = weights()
    theta = RNG.uniform(-0.1, 1.0, D_SAE).astype(np.float32)
    state = {"W_enc": contiguous(W_enc), "b_enc": contiguous(b_enc), "W_dec": contiguous(W_dec),
             "b_dec": contiguous(b_dec), "threshold": contiguous(theta)}
    dl_save("dl-jumprelu", state, "JumpReluAutoEncoder", ordered=True)
    pre = x @ f64(W_enc) + f64(b_enc)  # apply_b_dec_to_input = False
    z = relu(pre * (pre > f64(theta)))
    record("dl-jumprelu", "dl-jumprelu", "jumprelu", None, z, z @ f64(W_dec) + f64(b_dec), f64(W_dec), f64(b_dec))

    W_enc, _, W_dec, b_dec = weights()
    r_mag = (0.3 * RNG.normal(size=D_SAE)).astype(np.float32)
    gate_bias = (0.4 * RNG.normal(size=D_SAE)).astype(np.float32)
    mag_bias = (0.4 * RNG.normal(size=D_SAE)).astype(np.float32)
    state = {"decoder_bias": contiguous(b_dec), "encoder.weight": contiguous(W_enc.T), "r_mag": contiguous(r_mag),
             "gate_bias": contiguous(gate_bias), "mag_bias": contiguous(mag_bias), "decoder.weight": contiguous(W_dec.T)}
    dl_save("dl-gated", state, "GatedAutoEncoder")
    x_enc = (x - f64(b_dec)) @ f64(W_enc)
    z = (x_enc + f64(gate_bias) > 0) * relu(np.exp(f64(r_mag)) * x_enc + f64(mag_bias))
    record("dl-gated", "dl-gated", "jumprelu", None, z, z @ f64(W_dec) + f64(b_dec), f64(W_dec), f64(b_dec))

    with open(os.path.join(out, "fixtures.json"), "w") as f:
        json.dump(fixtures, f, indent=1)


if __name__ == "__main__":
    main()
