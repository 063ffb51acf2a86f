package org.mdlsae;

/**
 * A config record refused a value. The message names the record and its component ({@code TrainConfig.lr must be a
 * finite number in (0, 1), got NaN}); {@link #field()} and {@link #problem()} let a front end say the same with its
 * own name for the setting (the CLI maps fields to flags in one place).
 */
public class ConfigException extends InputException {
    private final String field;
    private final String problem;

    /**
     * @param field   the record and component, e.g. {@code TrainConfig.lr}
     * @param problem what is wrong and what is allowed, e.g. {@code must be ≥ 1, got 0}
     */
    public ConfigException(String field, String problem) {
        super(field + " " + problem);
        this.field = field;
        this.problem = problem;
    }

    /**
     * The refused setting.
     *
     * @return {@code Record.component}
     */
    public String field() {
        return field;
    }

    /**
     * The message without the field.
     *
     * @return e.g. {@code must be ≥ 1, got 0}
     */
    public String problem() {
        return problem;
    }
}
