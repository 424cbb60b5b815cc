package dev.tarmac.builder.api;

import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.ext.ParamConverter;
import jakarta.ws.rs.ext.ParamConverterProvider;
import jakarta.ws.rs.ext.Provider;
import java.lang.annotation.Annotation;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Type;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Every number and yes/no of a URL (path and query parameters of the API and the dashboard), read
 * in one place. JAX-RS answers a path or query parameter it cannot convert with 404, as if the path
 * did not exist ({@code ?days=abc}: "there is nothing at …/metrics"), and reads a {@code boolean}
 * that is not {@code true} as false ({@code ?plan=abc} ran a real release). Here a value that is
 * not one is refused with 400 naming the parameter, what it takes and what it got ({@link Refused},
 * answered by {@link Problems}):
 *
 * <ul>
 *   <li>{@code int}/{@code long}: a whole number (digits, an optional {@code -}) within {@link
 *       Range} (default 1 to the type's largest): {@code id must be a whole number from 1 to
 *       9223372036854775807; got "99999999999999999999999"};
 *   <li>{@code boolean}: {@code true}, {@code false}, {@code 1} or {@code 0}, in any case.
 * </ul>
 *
 * A query parameter without a value ({@code ?plan}, {@code ?days=}) is read by the framework as
 * absent, before any converter: {@code false}, or the {@code @DefaultValue}.
 *
 * <p>The parameter must be named by {@code @PathParam} or {@code @QueryParam}
 * (ParamsResourceTest.everyNumberAndYesOrNoOfAResourceIsNamed).
 */
@Provider
public class Params implements ParamConverterProvider {
  /** The values a whole-number parameter accepts, both ends included. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface Range {
    long min() default 1;

    long max() default Long.MAX_VALUE;
  }

  /** A value refused: 400, the sentence says which parameter, what it takes and what it got. */
  public static final class Refused extends BadRequestException {
    Refused(String detail) {
      super(detail);
    }
  }

  /** How much of a refused value the answer repeats. */
  static final int ECHOED = 40;

  private static final Pattern WHOLE = Pattern.compile("-?[0-9]+");

  @Override
  @SuppressWarnings("unchecked")
  public <T> ParamConverter<T> getConverter(
      Class<T> rawType, Type genericType, Annotation[] annotations) {
    String name = name(annotations);
    Range range = find(annotations, Range.class);
    long min = range == null ? 1 : range.min();
    long max = range == null ? Long.MAX_VALUE : range.max();
    if (rawType == long.class || rawType == Long.class) {
      return (ParamConverter<T>) converter(name, v -> whole(name, v, min, max));
    }
    if (rawType == int.class || rawType == Integer.class) {
      long top = Math.min(max, Integer.MAX_VALUE);
      long bottom = Math.max(min, Integer.MIN_VALUE);
      return (ParamConverter<T>) converter(name, v -> (int) whole(name, v, bottom, top));
    }
    if (rawType == boolean.class || rawType == Boolean.class) {
      return (ParamConverter<T>) converter(name, v -> yesOrNo(name, v));
    }
    return null;
  }

  /** A whole number from {@code min} to {@code max}, or {@link Refused} naming {@code name}. */
  static long whole(String name, String value, long min, long max) {
    if (WHOLE.matcher(value).matches()) {
      try {
        long n = Long.parseLong(value);
        if (n >= min && n <= max) {
          return n;
        }
      } catch (NumberFormatException e) {
        // more digits than a long holds: out of range, as below
      }
    }
    throw new Refused(
        name + " must be a whole number from " + min + " to " + max + "; got " + echo(value));
  }

  /** true/false/1/0 (any case; empty, as absent, is false), or {@link Refused} naming it. */
  static boolean yesOrNo(String name, String value) {
    switch (value.toLowerCase(Locale.ROOT)) {
      case "true", "1" -> {
        return true;
      }
      case "false", "0", "" -> {
        return false;
      }
      default -> throw new Refused(name + " must be true or false (or 1 or 0); got " + echo(value));
    }
  }

  /** The value quoted, cut at {@link #ECHOED} characters (a URL can be long). */
  static String echo(String value) {
    int length = value.codePointCount(0, value.length());
    return length <= ECHOED
        ? "\"" + value + "\""
        : "\""
            + value.substring(0, value.offsetByCodePoints(0, ECHOED))
            + "…\" ("
            + length
            + " characters)";
  }

  private static <T> ParamConverter<T> converter(String name, Function<String, T> read) {
    return new ParamConverter<>() {
      @Override
      public T fromString(String value) {
        if (value == null) {
          throw new IllegalArgumentException(name + " has no value");
        }
        return read.apply(value);
      }

      @Override
      public String toString(T value) {
        return String.valueOf(value);
      }
    };
  }

  private static String name(Annotation[] annotations) {
    PathParam path = find(annotations, PathParam.class);
    if (path != null) {
      return path.value();
    }
    QueryParam query = find(annotations, QueryParam.class);
    return query != null ? query.value() : "a parameter of the URL";
  }

  private static <A extends Annotation> A find(Annotation[] annotations, Class<A> type) {
    if (annotations != null) {
      for (Annotation a : annotations) {
        if (type.isInstance(a)) {
          return type.cast(a);
        }
      }
    }
    return null;
  }
}
