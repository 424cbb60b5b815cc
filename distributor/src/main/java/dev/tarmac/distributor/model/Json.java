package dev.tarmac.distributor.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The JSON form of records kept in the store: ISO-8601 times, unknown fields ignored. */
public final class Json {
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .registerModule(
              new com.fasterxml.jackson.databind.module.SimpleModule("tarmac-instants")
                  .addDeserializer(java.time.Instant.class, new InstantReader()))
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private Json() {}

  /** A string instant read by {@link Instants#parse}; anything else as the JDK module reads it. */
  private static final class InstantReader
      extends com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer<java.time.Instant> {
    InstantReader() {
      super(java.time.Instant.class);
    }

    @Override
    public java.time.Instant deserialize(
        com.fasterxml.jackson.core.JsonParser p,
        com.fasterxml.jackson.databind.DeserializationContext ctxt)
        throws IOException {
      if (p.hasToken(com.fasterxml.jackson.core.JsonToken.VALUE_STRING)) {
        String text = p.getText().trim();
        try {
          return Instants.parse(text);
        } catch (java.time.DateTimeException e) {
          return (java.time.Instant)
              ctxt.handleWeirdStringValue(java.time.Instant.class, text, e.getMessage());
        }
      }
      return com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer.INSTANT.deserialize(
          p, ctxt);
    }
  }

  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static <T> T read(byte[] json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }
}
