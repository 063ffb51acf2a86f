"""Apply the config checks of SAELens 6 and SAELens 5 to an SAE directory, with nothing but numpy and the standard
library, and print what each generation would build (docs/design.md §7).

usage: python3 saelens_checks.py SAE_DIR

Transliterated from (repository: path):
  SAELens 6.18  jbloomAus/SAELens: sae_lens/saes/sae.py (SAE.load_from_disk, SAEConfig.from_dict / __post_init__,
                SAEMetadata), sae_lens/loading/pretrained_sae_loaders.py (sae_lens_disk_loader,
                handle_config_defaulting, handle_pre_6_0_config, read_sae_components_from_disk),
                sae_lens/util.py (filter_valid_dataclass_fields), sae_lens/constants.py (DTYPE_MAP),
                sae_lens/saes/{standard,topk,jumprelu,gated}_sae.py (config fields, parameters)
  SAELens 5.11  jbloomAus/SAELens@v5.11.0: sae_lens/sae.py (SAEConfig, SAEConfig.from_dict, SAE.__init__,
                get_activation_fn, initialize_weights_*), sae_lens/toolkit/pretrained_sae_loaders.py
                (handle_config_defaulting, read_sae_components_from_disk)

Prints {"saelens6": {...}, "saelens5": {...}}: for each, "ok" and either "error" or the architecture, activation and
k the SAE would run with, and its model_name / hook_name; torch's strict load_state_dict is checked against the
safetensors header (names and shapes).
"""
import json
import re
import struct
import sys

DTYPE_MAP = {"float32", "float64", "float16", "bfloat16", "torch.float32", "torch.float64", "torch.float16",
             "torch.bfloat16"}
LLM_METADATA_KEYS = {"model_name", "hook_name", "model_class_name", "hook_head_index", "model_from_pretrained_kwargs",
                     "prepend_bos", "exclude_special_tokens", "neuronpedia_id", "context_size", "seqpos_slice",
                     "dataset_path", "sae_lens_version", "sae_lens_training_version", "hook_name_out",
                     "hook_head_index_out"}
BASE6 = ["d_in", "d_sae", "dtype", "device", "apply_b_dec_to_input", "normalize_activations", "reshape_activations",
         "metadata"]
FIELDS6 = {"standard": BASE6, "gated": BASE6, "jumprelu": BASE6,
           "topk": BASE6 + ["k", "rescale_acts_by_decoder_norm"]}
DEFAULTS6 = {"dtype": "float32", "device": "cpu", "apply_b_dec_to_input": True, "normalize_activations": "none",
             "reshape_activations": "none", "k": 100, "rescale_acts_by_decoder_norm": False}
FIELDS5 = ["architecture", "d_in", "d_sae", "activation_fn_str", "apply_b_dec_to_input", "finetuning_scaling_factor",
           "context_size", "model_name", "hook_name", "hook_layer", "hook_head_index", "prepend_bos", "dataset_path",
           "dataset_trust_remote_code", "normalize_activations", "dtype", "device", "sae_lens_training_version"]
OPTIONAL5 = ["activation_fn_kwargs", "neuronpedia_id", "model_from_pretrained_kwargs", "seqpos_slice"]


def header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        h = json.loads(f.read(n))
    h.pop("__metadata__", None)
    return {k: v["shape"] for k, v in h.items()}


def params(arch, d, m, extra=()):
    p = {"W_enc": [d, m], "W_dec": [m, d], "b_dec": [d]}
    if arch == "gated":
        p.update({"b_gate": [m], "b_mag": [m], "r_mag": [m]})
    else:
        p["b_enc"] = [m]
    if arch == "jumprelu":
        p["threshold"] = [m]
    for name in extra:
        p[name] = [m]
    return p


def strict_load(expected, found):
    if set(expected) != set(found):
        raise ValueError("load_state_dict: missing %s, unexpected %s"
                         % (sorted(set(expected) - set(found)), sorted(set(found) - set(expected))))
    for k, shape in expected.items():
        if list(found[k]) != shape:
            raise ValueError("load_state_dict: %s has shape %s, expected %s" % (k, found[k], shape))


def version_at_least_6(v):
    m = re.match(r"(\d+)", str(v or ""))
    return bool(m) and int(m.group(1)) >= 6


def saelens6(cfg, tensors):
    cfg = dict(cfg)
    version = cfg.get("sae_lens_version") or (cfg.get("metadata") or {}).get("sae_lens_version")
    if not version or not version_at_least_6(version):
        raise ValueError("sae_lens_version %r: handle_pre_6_0_config would run (hook_name from the top level)" % version)
    arch = cfg["architecture"]
    if arch not in FIELDS6:
        raise ValueError("architecture %r is not registered" % arch)
    sae_cfg = {k: cfg.get(k, DEFAULTS6.get(k)) for k in FIELDS6[arch] if k in cfg or k in DEFAULTS6}
    for req in ("d_in", "d_sae"):
        if req not in cfg:
            raise ValueError("SAEConfig needs %s" % req)
    if sae_cfg["normalize_activations"] not in ("none", "expected_average_only_in", "constant_norm_rescale", "layer_norm"):
        raise ValueError("normalize_activations %r" % sae_cfg["normalize_activations"])
    if sae_cfg["dtype"] not in DTYPE_MAP:
        raise KeyError("DTYPE_MAP[%r]" % sae_cfg["dtype"])
    metadata = cfg.get("metadata")
    if not isinstance(metadata, dict):
        raise ValueError("metadata must be a dict for SAEMetadata(**metadata)")
    if arch == "topk" and not (isinstance(sae_cfg["k"], int) and 1 <= sae_cfg["k"] <= cfg["d_sae"]):
        raise ValueError("torch.topk with k=%r over d_sae=%r" % (sae_cfg["k"], cfg["d_sae"]))
    strict_load(params(arch, cfg["d_in"], cfg["d_sae"]), {k: v for k, v in tensors.items() if k != "scaling_factor"})
    return {"architecture": arch, "activation": "topk" if arch == "topk" else "relu",
            "k": sae_cfg["k"] if arch == "topk" else None,
            "model_name": metadata.get("model_name"), "hook_name": metadata.get("hook_name")}


def saelens5(cfg, tensors):
    cfg = dict(cfg)
    for k, v in [("prepend_bos", True), ("dataset_trust_remote_code", True), ("apply_b_dec_to_input", True),
                 ("finetuning_scaling_factor", False), ("sae_lens_training_version", None)]:
        cfg.setdefault(k, v)
    cfg.setdefault("activation_fn_str", cfg.get("activation_fn", "relu"))
    cfg.setdefault("architecture", "standard")
    cfg.setdefault("neuronpedia_id", None)
    cfg.setdefault("normalize_activations", "none")
    cfg.setdefault("device", "cpu")
    rename = {"hook_point": "hook_name", "hook_point_head_index": "hook_head_index", "hook_point_layer": "hook_layer",
              "activation_fn": "activation_fn_str"}
    cfg = {rename.get(k, k): v for k, v in cfg.items()}
    missing = [k for k in FIELDS5 if k not in cfg]
    if missing:
        raise TypeError("SAEConfig.__init__() missing required arguments %s" % missing)
    if "seqpos_slice" in cfg:
        tuple(cfg["seqpos_slice"])
    if cfg["dtype"] not in DTYPE_MAP:
        raise KeyError("DTYPE_MAP[%r]" % cfg["dtype"])
    act, kwargs = cfg["activation_fn_str"], cfg.get("activation_fn_kwargs") or {}
    if act == "topk":
        if "k" not in kwargs:
            raise ValueError("TopK activation function requires a k value.")
        k = kwargs["k"]
        if not (isinstance(k, int) and 1 <= k <= cfg["d_sae"]):
            raise ValueError("torch.topk with k=%r over d_sae=%r" % (k, cfg["d_sae"]))
    elif act not in ("relu", "tanh-relu"):
        raise ValueError("Unknown activation function: %s" % act)
    arch = cfg["architecture"]
    if arch not in ("standard", "topk", "gated", "jumprelu"):
        raise ValueError("Invalid architecture: %s" % arch)
    if not isinstance(cfg["hook_name"], str):
        raise AttributeError("hook_name %r has no endswith" % cfg["hook_name"])
    found = dict(tensors)
    if "scaling_factor" in found:
        raise ValueError("scaling_factor handling is not exercised here")
    extra = ["finetuning_scaling_factor"] if cfg["finetuning_scaling_factor"] else []
    strict_load(params("standard" if arch == "topk" else arch, cfg["d_in"], cfg["d_sae"], extra), found)
    return {"architecture": arch, "activation": act, "k": kwargs.get("k") if act == "topk" else None,
            "model_name": cfg["model_name"], "hook_name": cfg["hook_name"]}


def main():
    d = sys.argv[1]
    with open(d + "/cfg.json") as f:
        cfg = json.load(f)
    tensors = header(d + "/sae_weights.safetensors")
    out = {}
    for name, check in (("saelens6", saelens6), ("saelens5", saelens5)):
        try:
            out[name] = {"ok": True, **check(cfg, tensors)}
        except Exception as e:  # report, do not crash: the Java test names the failing generation
            out[name] = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
