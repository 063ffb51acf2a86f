package org.mdlsae.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.mdlsae.sae.SaeWeights;

/**
 * The SHA-256 that binds a compressed file to its SAE (docs/design.md §13): over the architecture, d, D, k, θ and
 * every parameter (W_enc, b_enc, W_dec, b_dec) as little-endian float32, so any change to the weights changes it.
 */
public final class SaeDigest {
    private SaeDigest() {
    }

    /**
     * The digest of an SAE's weights.
     *
     * @param w the weights
     * @return 32 bytes
     */
    public static byte[] of(SaeWeights w) {
        MessageDigest md = sha256();
        md.update(w.arch().id().getBytes(StandardCharsets.UTF_8));
        md.update(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(w.dIn()).putInt(w.width()).putInt(w.k())
                .putInt(Float.floatToRawIntBits(w.threshold())).array());
        for (float[] a : new float[][] {w.enc(), w.bEnc(), w.dec(), w.bDec()}) update(md, a);
        return md.digest();
    }

    /**
     * Hex form for messages.
     *
     * @param digest bytes
     * @return the first 12 hex digits
     */
    public static String shortHex(byte[] digest) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 6 && i < digest.length; i++) sb.append(String.format("%02x", digest[i] & 0xFF));
        return sb.toString();
    }

    static void update(MessageDigest md, float[] a) {
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < a.length; i++) {
            if (!b.hasRemaining()) {
                md.update(b.array(), 0, b.position());
                b.clear();
            }
            b.putFloat(a[i]);
        }
        md.update(b.array(), 0, b.position());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }
}
