package dev.tarmac.builder.api;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ByteRange;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.store.StoreNotFoundException;
import jakarta.ws.rs.core.Response;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Serves a store object with {@code Range} support, so an interrupted download can resume. */
public final class Downloads {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

  private Downloads() {}

  /**
   * A position of a range: digits past what a {@code long} holds are past any object's end (RFC
   * 9110 §14.1.1: such a first position is unsatisfiable, 416; such a last position or suffix means
   * "to the end" / "all").
   */
  static long number(String digits) {
    String d = digits.replaceFirst("^0+(?=.)", "");
    return d.length() > 18 ? Long.MAX_VALUE : Long.parseLong(d);
  }

  /**
   * A {@code Range} answered with the whole object (RFC 9110 §14.2): a unit other than {@code
   * bytes} (the server must ignore it), or several ranges (it may; a multipart answer is not worth
   * having for a resumed download or a page's asset). A single {@code bytes} range that is
   * malformed or past the end stays 416.
   */
  static boolean ignored(String rangeHeader) {
    String r = rangeHeader.trim();
    int eq = r.indexOf('=');
    return eq < 0 || !r.substring(0, eq).trim().equalsIgnoreCase("bytes") || r.indexOf(',') >= 0;
  }

  public static Response serve(ArtifactStore store, String key, String rangeHeader, String type) {
    ObjectInfo info = store.stat(key).orElseThrow(() -> new StoreNotFoundException(key));
    long size = info.size();
    if (rangeHeader == null || rangeHeader.isBlank() || ignored(rangeHeader)) {
      return Response.ok(store.get(key), type)
          .header("Accept-Ranges", "bytes")
          .header("Content-Length", size)
          .build();
    }
    Matcher m = RANGE.matcher(rangeHeader.trim());
    long first;
    long last;
    if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
      if (m.group(1).isEmpty()) {
        first = Math.max(0, size - number(m.group(2)));
        last = size - 1;
      } else {
        first = number(m.group(1));
        last = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, number(m.group(2)));
      }
    } else {
      first = -1;
      last = -1;
    }
    if (first < 0 || first >= size || last < first) {
      return Response.fromResponse(
              Problems.problem(
                  416,
                  "Range Not Satisfiable",
                  key + " has " + size + " bytes; ask for a range inside it",
                  null))
          .header("Content-Range", "bytes */" + size)
          .build();
    }
    long length = last - first + 1;
    return Response.status(206)
        .type(type)
        .entity(store.get(key, new ByteRange(first, length)))
        .header("Accept-Ranges", "bytes")
        .header("Content-Range", "bytes " + first + "-" + last + "/" + size)
        .header("Content-Length", length)
        .build();
  }
}
