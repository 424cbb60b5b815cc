package dev.tarmac.builder.hooks;

import dev.tarmac.builder.service.ServiceConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The service's {@link SeenDeliveries}: {@code <data-dir>/webhook-deliveries.txt}, last 10,000. */
public class Deliveries {
  public static final String FILE = "webhook-deliveries.txt";
  public static final int REMEMBERED = 10_000;

  @Produces
  @Singleton
  SeenDeliveries seenDeliveries(ServiceConfig config) {
    return new SeenDeliveries(config.dataDir().resolve(FILE), REMEMBERED);
  }
}
