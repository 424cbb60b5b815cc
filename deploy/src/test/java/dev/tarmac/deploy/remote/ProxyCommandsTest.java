package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.config.TarmacConfig.Proxy;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** nginx's upstream file: staged beside the link, put in place with it, then the reload. */
class ProxyCommandsTest {
  private final Proxy proxy =
      new Proxy("/etc/nginx/tarmac/shop.conf", "sudo systemctl reload nginx");

  @Test
  void theUpstreamFileNamesEachServedProcess() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    ports.put("web", 3101);
    ports.put("admin-api", 3103);
    assertThat(ProxyCommands.upstreamFile("my-shop", "v2", ports))
        .isEqualTo(
            "# written by Tarmac: my-shop v2\n"
                + "upstream my_shop_web { server 127.0.0.1:3101; }\n"
                + "upstream my_shop_admin_api { server 127.0.0.1:3103; }\n");
  }

  @Test
  void stagedAsNewThenRenamedAndReloaded() {
    assertThat(ProxyCommands.stage(proxy, "upstream shop_web { server 127.0.0.1:3101; }\n").text())
        .isEqualTo(
            "mkdir -p /etc/nginx/tarmac && printf '%s' 'upstream shop_web { server"
                + " 127.0.0.1:3101; }\n' > /etc/nginx/tarmac/shop.conf.new");
    assertThat(ProxyCommands.rename(proxy))
        .isEqualTo(
            new SwitchCommands.Rename(
                "/etc/nginx/tarmac/shop.conf.new", "/etc/nginx/tarmac/shop.conf"));
    assertThat(ProxyCommands.reload(proxy, "/srv/shop").text())
        .isEqualTo("cd /srv/shop && sudo systemctl reload nginx");
  }
}
