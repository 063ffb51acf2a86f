"""Load an SAE directory written by the MDL-SAE engine with nothing but numpy and reconstruct inputs.

usage: python3 sae_numpy.py SAE_DIR X.npy OUT_XHAT.npy

Parses sae_weights.safetensors by hand (8-byte little-endian header length, JSON header, raw
little-endian tensors) and applies the SAE as cfg.json describes it (SAELens conventions):
  pre = (x - b_dec) @ W_enc + b_enc       (apply_b_dec_to_input true)
  standard: z = ReLU(pre)
  topk:     keep the k largest ReLU(pre) per row
  jumprelu: z = ReLU(pre) * (pre > threshold)   (threshold: one per latent)
  x_hat = z @ W_dec + b_dec
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        arr = np.frombuffer(raw[base + begin:base + end], dtype=np.dtype(DTYPES[info["dtype"]]).newbyteorder("<"))
        out[name] = arr.reshape(info["shape"]).astype(np.float32)
    return out


def load(sae_dir):
    """The cfg.json and the tensors of an SAE directory."""
    cfg = json.load(open(f"{sae_dir}/cfg.json"))
    w = load_safetensors(f"{sae_dir}/sae_weights.safetensors")
    assert w["W_enc"].shape == (cfg["d_in"], cfg["d_sae"])
    assert w["W_dec"].shape == (cfg["d_sae"], cfg["d_in"])
    return cfg, w


def pre_activations(cfg, w, x):
    xin = x - w["b_dec"] if cfg.get("apply_b_dec_to_input", True) else x
    return xin.astype(np.float64) @ w["W_enc"].astype(np.float64) + w["b_enc"]


def encode(cfg, w, x):
    """The latent code z (N x d_sae, float64) of rows x."""
    pre = pre_activations(cfg, w, x)
    act = np.maximum(pre, 0.0)
    if cfg["architecture"] == "topk":
        k = cfg["k"]
        idx = np.argsort(-act, axis=1, kind="stable")[:, :k]
        z = np.zeros_like(act)
        np.put_along_axis(z, idx, np.take_along_axis(act, idx, axis=1), axis=1)
    elif cfg["architecture"] == "standard":
        z = act
    elif cfg["architecture"] == "jumprelu":
        z = act * (pre > w["threshold"])
    else:
        raise SystemExit("unsupported architecture " + cfg["architecture"])
    return z


def main():
    sae_dir, x_path, out_path = sys.argv[1:4]
    cfg, w = load(sae_dir)
    x = np.load(x_path).astype(np.float32)
    xhat = encode(cfg, w, x) @ w["W_dec"].astype(np.float64) + w["b_dec"]
    np.save(out_path, xhat.astype(np.float32))


if __name__ == "__main__":
    main()
