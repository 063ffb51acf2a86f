package org.mdlsae.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * JSON for {@code --json} output, always through Jackson (records and maps, never strings built by hand); standard
 * output carries only this. A number that is not finite (an FVU without variance, an error over nothing admissible)
 * is written as {@code null}, so every output is valid JSON.
 */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(new SimpleModule("finite-numbers")
                    .addSerializer(Double.class, new FiniteOrNull())
                    .addSerializer(double.class, new FiniteOrNull()));

    private Json() {
    }

    /** Writes a double, or null when it is NaN or infinite. */
    private static final class FiniteOrNull extends JsonSerializer<Double> {
        @Override
        public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
            if (Double.isFinite(v)) g.writeNumber(v);
            else g.writeNull();
        }
    }

    /** Prints {@code value} as JSON on standard output. */
    static void print(Object value) {
        print(new PrintWriter(System.out, true), value);
    }

    /** Prints {@code value} as JSON on {@code w}. */
    static void print(PrintWriter w, Object value) {
        try {
            w.println(MAPPER.writeValueAsString(value));
            w.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code value}'s JSON object with the list of files a command wrote added under {@code files}. */
    static ObjectNode withFiles(Object value, List<Path> files) {
        ObjectNode o = MAPPER.valueToTree(value);
        o.putPOJO("files", files.stream().map(Path::toString).toList());
        return o;
    }
}
