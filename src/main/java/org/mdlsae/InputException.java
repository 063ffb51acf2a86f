package org.mdlsae;

/**
 * Bad input from the user (a file, a flag, a value). The message is one line that names the file or flag
 * and says how to fix it; the CLI prints it and exits with code 2. Nothing half-written is left behind.
 */
public class InputException extends RuntimeException {
    public InputException(String message) {
        super(message);
    }

    public InputException(String message, Throwable cause) {
        super(message, cause);
    }
}
