package org.mdlsae.train;

/** Training produced a non-finite loss; the message says at which step and what to change. */
public class DivergedException extends RuntimeException {
    public DivergedException(String message) {
        super(message);
    }
}
