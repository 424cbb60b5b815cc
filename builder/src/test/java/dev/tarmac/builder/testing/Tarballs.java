package dev.tarmac.builder.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/** Reads a tar.gz into memory for assertions. */
public final class Tarballs {
  public record Item(TarArchiveEntry entry, byte[] content) {
    public String text() {
      return new String(content, StandardCharsets.UTF_8);
    }
  }

  private Tarballs() {}

  public static Map<String, Item> read(InputStream in) throws IOException {
    Map<String, Item> items = new LinkedHashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        tar.transferTo(content);
        items.put(entry.getName(), new Item(entry, content.toByteArray()));
      }
    }
    return items;
  }
}
