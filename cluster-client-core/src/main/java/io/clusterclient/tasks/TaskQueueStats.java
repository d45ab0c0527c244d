package io.clusterclient.tasks;

/**
 * Counters of one {@link TaskQueue} instance in this process, since it was created. Immutable.
 *
 * @param submitted tasks submitted here
 * @param completed of those, the ones that returned a result
 * @param failed the ones that failed (the handler threw, or they were delivered too often)
 * @param timedOut the ones that got no outcome within their timeout
 * @param refused the ones refused because the wait queue was full
 * @param pending submitted here and still waiting for their outcome
 * @param served tasks this process ran to the end, as a worker
 * @param redeliveries of those, the ones that came with a delivery count above 1
 * @param running tasks this process runs now
 * @param resubmitted re-submissions of pending tasks to a new leader
 */
public record TaskQueueStats(
    long submitted,
    long completed,
    long failed,
    long timedOut,
    long refused,
    int pending,
    long served,
    long redeliveries,
    int running,
    long resubmitted) {}
