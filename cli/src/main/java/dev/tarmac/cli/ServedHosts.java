package dev.tarmac.cli;

import java.net.URI;
import java.util.List;

/** What the demo's visitors and pages are sent to: each host's address on loopback. */
interface ServedHosts extends AutoCloseable {
  List<String> hosts();

  /** Where {@code host} serves its current release, on loopback. */
  URI url(String host);

  @Override
  void close();
}
