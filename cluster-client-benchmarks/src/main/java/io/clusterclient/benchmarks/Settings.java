package io.clusterclient.benchmarks;

/**
 * How long and how wide each workload runs: the full run (minutes) or {@code --quick} (seconds, for
 * the module's integration test, QuickRunIT). Immutable.
 *
 * @param quick whether these are the quick settings
 * @param warmupMs warm-up before the first timed round of (a) and (b)
 * @param manyWarmupMs warm-up of (c), whose followers are mostly fresh JVMs
 * @param rounds timed rounds of every workload; figures are their median, min and max
 * @param roundMs length of one timed round of (a), (b), (c)
 * @param payloadWarmupMs warm-up of each payload size of (d)
 * @param payloadRoundMs length of one timed round of (d)
 * @param payloadWindow calls in flight in (d)
 * @param followers followers of (c)
 * @param subscribers subscribed followers of (e)
 * @param publishes values published per round of (e)
 * @param publishIntervalUs pause between two publishes of (e)
 * @param publishWarmupRounds untimed rounds of (e) first
 * @param failoverRounds leaders killed in (f)
 * @param failoverMembers processes of the cluster in (f), kept constant
 * @param footprintRuns fresh processes measured in (g), for each of its two measurements
 * @param jmhArgs options of the short JMH run
 */
record Settings(
    boolean quick,
    int warmupMs,
    int manyWarmupMs,
    int rounds,
    int roundMs,
    int payloadWarmupMs,
    int payloadRoundMs,
    int payloadWindow,
    int followers,
    int subscribers,
    int publishes,
    int publishIntervalUs,
    int publishWarmupRounds,
    int failoverRounds,
    int failoverMembers,
    int footprintRuns,
    String jmhArgs) {

  static Settings fullRun() {
    return new Settings(
        false, 5000, 15000, 5, 2000, 2000, 1500, 4, 4, 8, 300, 5000, 3, 20, 3, 5,
        "-f 1 -wi 1 -w 1s -i 1 -r 1s");
  }

  static Settings quickRun() {
    return new Settings(
        true, 300, 300, 2, 300, 200, 200, 4, 2, 2, 20, 5000, 1, 2, 2, 1, "-f 0 -wi 0 -i 1 -r 100ms");
  }
}
