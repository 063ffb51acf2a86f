"""Shared helpers of the benchmark peers: timing, thread pinning and a record of the BLAS in use."""
import ctypes
import json
import os
import platform
import statistics
import sys
import time


def timeit(fn, warmup, reps):
    """Runs fn warmup times untimed, then reps times timed; returns best/median/samples in seconds."""
    for _ in range(warmup):
        fn()
    s = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        s.append(time.perf_counter() - t0)
    return {"best_s": min(s), "median_s": statistics.median(s), "runs": len(s), "samples_s": s}


def _openblas_corenames():
    """Runtime kernel of every OpenBLAS loaded in this process (openblas_get_corename, any symbol prefix)."""
    out = {}
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({line.split()[-1] for line in f if "blas" in line.lower() and ".so" in line})
    except OSError:
        return out
    for lib in libs:
        try:
            h = ctypes.CDLL(lib)
        except OSError:
            continue
        for sym in ("openblas_get_corename", "openblas_get_corename64_", "scipy_openblas_get_corename64_",
                    "scipy_openblas_get_corename"):
            f = getattr(h, sym, None)
            if f is None:
                continue
            f.restype = ctypes.c_char_p
            info = {"corename": f().decode()}
            for nsym in ("openblas_get_num_threads", "openblas_get_num_threads64_", "scipy_openblas_get_num_threads64_"):
                g = getattr(h, nsym, None)
                if g is not None:
                    info["num_threads"] = g()
                    break
            for csym in ("openblas_get_config", "openblas_get_config64_", "scipy_openblas_get_config64_"):
                g = getattr(h, csym, None)
                if g is not None:
                    g.restype = ctypes.c_char_p
                    info["config"] = g().decode()
                    break
            out[lib] = info
            break
    return out


def blas_info():
    """Versions, thread counts and BLAS kernels of numpy (and torch, when imported), as far as they can be read."""
    import numpy as np
    a = np.ones((64, 64), np.float32)
    a @ a  # make sure the BLAS is loaded
    info = {
        "python": sys.executable + " " + platform.python_version(),
        "numpy": np.__version__,
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                                "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
        "openblas_runtime": _openblas_corenames(),
    }
    try:
        import threadpoolctl
        info["threadpoolctl"] = threadpoolctl.threadpool_info()
    except ImportError:
        info["threadpoolctl"] = None
    try:
        cfg = np.show_config(mode="dicts")
        info["numpy_blas_build"] = cfg.get("Build Dependencies", {}).get("blas")
    except TypeError:  # numpy < 1.25
        info["numpy_blas_build"] = None
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        info["torch_config"] = torch.__config__.show()
        info["torch_parallel"] = torch.__config__.parallel_info()
    return info


def load_manifest(export_dir):
    with open(os.path.join(export_dir, "java.json")) as f:
        return json.load(f)


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)


def log(msg):
    print("peer: " + msg, file=sys.stderr, flush=True)
