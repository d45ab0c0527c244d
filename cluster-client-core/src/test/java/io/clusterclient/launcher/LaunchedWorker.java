package io.clusterclient.launcher;

/**
 * A worker for the launcher's tests. Argument: {@code serve} (prints {@code READY <id> <pid>}, then
 * runs until stopped, printing {@code STOPPING <id>} from a shutdown hook), {@code crash} (exits with
 * code 3 at once), or {@code stubborn} (as serve, but its shutdown hook never ends).
 */
public final class LaunchedWorker {
  private LaunchedWorker() {}

  public static void main(String[] args) throws Exception {
    String id = System.getProperty(ClusterLauncher.WORKER_ID_PROPERTY);
    if (!id.equals(System.getenv(ClusterLauncher.WORKER_ID_ENV))) {
      throw new IllegalStateException("property and environment disagree on the worker id");
    }
    switch (args[0]) {
      case "crash" -> {
        System.err.println("CRASH " + id);
        System.exit(3);
      }
      case "serve", "stubborn" -> {
        boolean stubborn = args[0].equals("stubborn");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          System.out.println("STOPPING " + id);
          System.out.flush();
          if (stubborn) {
            try {
              Thread.sleep(600_000);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }));
        ClusterLauncher.exitWhenLauncherExits();
        System.out.println("READY " + id + " " + ProcessHandle.current().pid());
        System.out.flush();
        Thread.sleep(600_000);
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }
}
