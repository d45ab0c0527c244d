package io.clusterclient.launcher;

/** A launcher process for the SIGTERM test: two serving workers, run until stopped. */
public final class LauncherMain {
  private LauncherMain() {}

  public static void main(String[] args) {
    System.exit(ClusterLauncher.of(LaunchedWorker.class).workers(2).args("serve").run());
  }
}
