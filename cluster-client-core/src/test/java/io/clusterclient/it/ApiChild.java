package io.clusterclient.it;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Runs an {@link EchoApi}: prints READY leader=<bool>; commands: lookup <key>, count <key>, exit. */
public final class ApiChild {
  private ApiChild() {}

  public static void main(String[] args) throws Exception {
    try (EchoApi api = new EchoApi(Integer.parseInt(args[0]))) {
      api.ready().get(60, TimeUnit.SECONDS);
      System.out.println("READY leader=" + api.isLeader());
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null && !line.equals("exit")) {
        String[] p = line.split(" ", 2);
        if (p[0].equals("lookup")) {
          System.out.println("OK " + api.lookup(p[1]));
        } else if (p[0].equals("count")) {
          System.out.println("OK " + api.upstreamLookups(p[1]));
        }
      }
    }
    io.clusterclient.testing.LeakFlush.flush();
    System.out.println("BYE");
  }
}
