package dev.tarmac.builder.api;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Every line the service logs while open: message and parameters, as text. */
final class LogCapture extends Handler implements AutoCloseable {
  private final List<String> lines = new CopyOnWriteArrayList<>();

  LogCapture() {
    Logger.getLogger("").addHandler(this);
  }

  @Override
  public void publish(LogRecord r) {
    Object[] params = r.getParameters() == null ? new Object[0] : r.getParameters();
    lines.add(
        r.getMessage()
            + " "
            + Arrays.toString(params)
            + (r.getThrown() == null ? "" : " " + r.getThrown()));
  }

  List<String> lines() {
    return lines;
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    Logger.getLogger("").removeHandler(this);
  }
}
