package org.mdlsae.lm;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Files the module reads from the jars of its dependencies, and their digests. */
final class Resources {
    private Resources() {
    }

    /**
     * The bytes of a class-path resource.
     *
     * @param name     resource path
     * @param artifact the dependency that ships it, for the message
     * @return its bytes
     * @throws IOException if it is not on the class path
     */
    static byte[] read(String name, String artifact) throws IOException {
        try (InputStream in = Resources.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IOException(name + " is not on the class path (it comes in " + artifact + ")");
            return in.readAllBytes();
        }
    }

    /** @return the SHA-256 of {@code b} in hex */
    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every Java platform has SHA-256
        }
    }
}
