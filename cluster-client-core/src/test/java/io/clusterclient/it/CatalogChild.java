package io.clusterclient.it;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterOptions;
import io.clusterclient.RemoteInvocationException;
import io.clusterclient.jackson.JacksonCodec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A process sharing a {@link Catalog} with the serialize-json codec, the default transcode of
 * Node.js cluster-client, and letting Node.js peers in. Arguments: {@code port [leader=true|false]}.
 * Prints {@code READY <role>}; commands, one a line: {@code item <dataId> <base64> <epochMs>}
 * answers {@code ITEM <dataId> <base64> <epochMs>}; {@code fail <message>} answers {@code FAILED
 * <remote class> <remote message> <code>}; {@code sub <dataId>} answers {@code OK sub} and prints
 * {@code PUSH <dataId> <base64> <epochMs>} per item; {@code pub <dataId> <base64> <epochMs>}
 * answers {@code OK pub}; {@code exit}.
 */
public final class CatalogChild {
  private CatalogChild() {}

  public static void main(String[] args) throws Exception {
    ClusterOptions.Builder options =
        ClusterOptions.builder()
            .name("catalog")
            .port(Integer.parseInt(args[0]))
            .allowUnauthenticated(true) // Node.js peers cannot prove the owner's secret
            .codec(JacksonCodec.serializeJson())
            .maxWaitTime(Duration.ofSeconds(30));
    if (args.length > 1 && args[1].startsWith("leader=")) {
      options.leader(Boolean.parseBoolean(args[1].substring("leader=".length())));
    }
    Catalog catalog = ClusterClient.of(Catalog.class).options(options.build()).create(RealCatalog::new);
    ClusterHandle handle = ClusterClient.handle(catalog);
    try {
      handle.ready().get(60, TimeUnit.SECONDS);
      System.out.println("READY " + handle.role());
    } catch (ExecutionException e) {
      System.out.println("READY_FAILED " + e.getCause());
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null && !line.equals("exit")) {
      String[] p = line.split(" ");
      try {
        switch (p[0]) {
          case "item" -> System.out.println("ITEM " + describe(catalog.item(item(p))));
          case "fail" -> {
            try {
              catalog.fail(p[1]);
              System.out.println("FAILED nothing");
            } catch (RemoteInvocationException e) {
              System.out.println("FAILED " + e.remoteClassName() + " " + e.remoteMessage() + " " + e.code());
            }
          }
          case "sub" -> {
            catalog.subscribe(Map.of("dataId", p[1]), i -> System.out.println("PUSH " + describe(i)));
            System.out.println("OK sub");
          }
          case "pub" -> {
            catalog.publish(item(p));
            System.out.println("OK pub");
          }
          default -> System.out.println("ERR bad command " + line);
        }
      } catch (RuntimeException e) {
        System.out.println("ERR " + e.getClass().getName() + " " + String.valueOf(e.getMessage()).replace('\n', ' '));
      }
    }
    handle.close();
    io.clusterclient.testing.LeakFlush.flush();
    System.out.println("BYE");
  }

  private static Catalog.Item item(String[] p) {
    return new Catalog.Item(p[1], Base64.getDecoder().decode(p[2]), Instant.ofEpochMilli(Long.parseLong(p[3])));
  }

  private static String describe(Catalog.Item i) {
    return i.dataId() + " " + Base64.getEncoder().encodeToString(i.data()) + " " + i.at().toEpochMilli();
  }
}
