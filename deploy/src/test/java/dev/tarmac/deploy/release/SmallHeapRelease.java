package dev.tarmac.deploy.release;

import dev.tarmac.deploy.remote.LocalTransport;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import dev.tarmac.distributor.testing.FsStoreHttpServer;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The service's part of a release, in a JVM of its own (started by {@link SmallHeapReleaseIT} with
 * {@code -Xmx256m}): the store and its HTTP server, the release engine, one {@code local} host.
 * Arguments: the store's directory, then the versions to release in order. Prints each release's
 * transfer per host.
 */
public final class SmallHeapRelease {
  public static void main(String[] args) throws Exception {
    try (FsStoreHttpServer http = new FsStoreHttpServer()) {
      FsArtifactStore store =
          new FsArtifactStore(
              Path.of(args[0]),
              http.baseUrl(),
              new UrlSigner("test-signing-key".getBytes(), Clock.systemUTC()));
      http.serve(store);
      Deployer deployer = new Deployer(store, (h, e) -> new LocalTransport(h.name()));
      for (int i = 1; i < args.length; i++) {
        ReleaseRecord r =
            deployer.release(
                AppName.of("big"),
                EnvName.of("prod"),
                Version.of(args[i]),
                ReleaseOptions.defaults("small-heap"));
        for (ReleaseRecord.HostRecord h : r.hosts()) {
          System.out.println(
              r.version()
                  + " "
                  + r.status()
                  + " "
                  + h.name()
                  + " "
                  + h.transfer().mode()
                  + " "
                  + h.transfer().bytes());
        }
      }
      System.out.println("max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB");
    }
  }
}
