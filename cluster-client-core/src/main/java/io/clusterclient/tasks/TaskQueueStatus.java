package io.clusterclient.tasks;

/**
 * A task queue as its leader holds it now. Immutable.
 *
 * @param leaderPid the process that holds the queue
 * @param waiting tasks waiting for a free slot
 * @param recovering re-submitted tasks waiting, after a leader change, for their worker to claim them
 * @param running tasks out with a worker
 * @param workers processes serving the queue (or still running its tasks)
 * @param slots the slots they declared
 * @param busySlots of those, the busy ones
 */
public record TaskQueueStatus(
    long leaderPid, int waiting, int recovering, int running, int workers, int slots, int busySlots) {}
