package org.mdlsae.backend;

/** The one unchecked failure type of all back ends; the message names the op that failed. */
public class BackendException extends RuntimeException {
    private final String op;

    public BackendException(String op, String message) {
        super(op + ": " + message);
        this.op = op;
    }

    public BackendException(String op, String message, Throwable cause) {
        super(op + ": " + message, cause);
        this.op = op;
    }

    /** The backend op (e.g. {@code encode}, {@code clBuildProgram}) that failed. */
    public String op() {
        return op;
    }
}
