package org.mdlsae.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One benchmark shape: {@code n} rows of dimension {@code d} from {@code data} ("mnist" or "synthetic"), an SAE of
 * width {@code width} with {@code k} active latents per row (BatchTopK: on average).
 */
public record Shape(String data, int n, int d, int width, int k) {
    /** A stable identifier, e.g. {@code mnist_d784_D1024_k16_n4096}. */
    public String id() {
        return data + "_d" + d + "_D" + width + "_k" + k + "_n" + n;
    }

    /** Floating-point operations of one encoder product (2·n·d·D). */
    public double gemmFlops() {
        return 2.0 * n * d * width;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id());
        m.put("data", data);
        m.put("n", n);
        m.put("d", d);
        m.put("D", width);
        m.put("k", k);
        return m;
    }
}
