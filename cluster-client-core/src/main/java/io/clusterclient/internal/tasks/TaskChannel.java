package io.clusterclient.internal.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What the processes of one task queue say to its broker, shared as a cluster client: the leader's
 * process holds the real {@link TaskBroker}, every other process a proxy of this interface. Payloads
 * and results travel as JSON trees, so the broker never needs (or instantiates) an application class.
 *
 * <p>Every process is a <em>member</em> with one channel, {@link #attach}, keyed by its member id:
 * the broker pushes tasks to run and results of submitted tasks through it, and hears of the
 * member's death when the leader calls {@link #detach} (its last connection closed). A new broker
 * (after a leader change) greets each member with an {@code attached} push; the member then tells it
 * what it runs ({@link #hello}), reports the outcomes it finished lately, and re-submits every task
 * still waiting for a result. That one exchange is the whole of the recovery: nothing else is
 * retried by the session layer, so a stale message can never overtake it.
 *
 * <p>Implementations are thread-safe.
 */
public interface TaskChannel {
  /** The push kind that greets a member; {@link Push#broker()} names the broker. */
  String ATTACHED = "attached";
  /** The push kind of a task to run. */
  String TASK = "task";
  /** The push kind of a submitted task's outcome. */
  String RESULT = "result";
  /**
   * The push kind of the list of workers (members that serve or still run tasks), sent when it
   * changes: {@link Push#value()} is an array of member ids, without the broker's own process's
   * member, which dies with it. A member gives the last list it heard to the next broker, which then
   * knows whose claims to wait for.
   */
  String WORKERS = "workers";

  /**
   * Opens a member's channel (delegated as SUBSCRIBE: one registration per member).
   *
   * @param member who
   * @param listener what the broker pushes to it
   */
  void attach(Member member, Consumer<Push> listener);

  /**
   * A member left (delegated as UNSUBSCRIBE: the leader calls it when the member's last connection
   * closed, or when it closed its queue): its running tasks go to others, its waiting ones are
   * cancelled.
   *
   * @param member who
   */
  void detach(Member member);

  /**
   * Submits (or re-submits) a task.
   *
   * @param submit the task
   * @return whether it was taken, or refused because the wait queue is full
   */
  CompletableFuture<Admit> submit(Submit submit);

  /**
   * A member's state: how many tasks it takes at once and which it runs now.
   *
   * @param hello the state
   * @return completes once the broker has it
   */
  CompletableFuture<Void> hello(Hello hello);

  /**
   * A task's outcome, or a worker's refusal of a task it has no room for.
   *
   * @param done the outcome
   * @return completes once the broker has it
   */
  CompletableFuture<Void> done(Done done);

  /**
   * Drops a task whose submitter stopped waiting: a waiting one at once, a running one's outcome
   * when it comes.
   *
   * @param cancel which task
   * @return completes once the broker has it
   */
  CompletableFuture<Void> cancel(Cancel cancel);

  /**
   * The queue as the broker holds it now.
   *
   * @return a snapshot
   */
  CompletableFuture<io.clusterclient.tasks.TaskQueueStatus> status();

  /**
   * A member of the queue: one {@code TaskQueue} instance.
   *
   * @param member the member id, unique per instance
   * @param pid its process, for messages
   */
  record Member(String member, long pid) {}

  /**
   * What the broker pushes.
   *
   * @param kind {@link #ATTACHED}, {@link #TASK} or {@link #RESULT}
   * @param broker the broker's id
   * @param task the task id (task and result)
   * @param value the payload (task) or the result (result)
   * @param delivery the delivery count, 1 on the first (task)
   * @param deadlineMillis how long the worker may hold the task (task)
   * @param error the failure, in the wire form of remote errors (result), or null
   */
  record Push(
      String kind,
      String broker,
      String task,
      JsonNode value,
      int delivery,
      long deadlineMillis,
      Map<String, Object> error) {}

  /**
   * A task for the queue.
   *
   * @param member the submitter
   * @param task the task id: the submitter's id, a slash, a number
   * @param value the payload
   * @param deadlineMillis how long one worker may hold it before it is given to another
   * @param resubmit whether this is a re-submission to a new leader, whose fate is unknown
   */
  record Submit(String member, String task, JsonNode value, long deadlineMillis, boolean resubmit) {}

  /**
   * The broker's answer to a submit.
   *
   * @param accepted false when the wait queue was full
   * @param waiting tasks waiting for a slot
   * @param slots slots of the serving members
   * @param busy of those, the busy ones
   */
  record Admit(boolean accepted, int waiting, int slots, int busy) {}

  /**
   * A member's state.
   *
   * @param member who
   * @param broker the broker it is meant for: one that is not refuses it (during a handover the
   *     old leader still serves calls while the new one already greets)
   * @param seq increases with each hello of the member: the broker ignores an older one that comes
   *     late (answered calls are served concurrently)
   * @param slots how many tasks it takes at once; 0 when it does not serve
   * @param running the tasks it runs now, with their delivery counts
   * @param workers the last list of workers it heard from a previous broker, or null if none
   */
  record Hello(String member, String broker, long seq, int slots, List<Claim> running, List<String> workers) {}

  /**
   * A task a member runs.
   *
   * @param task its id
   * @param delivery its delivery count
   */
  record Claim(String task, int delivery) {}

  /**
   * A task's outcome.
   *
   * @param member the worker
   * @param task the task id
   * @param delivery the delivery count it ran with
   * @param value the result (null for a null result, or on failure)
   * @param error the handler's failure in the wire form of remote errors, or null
   * @param rejected true when the worker refused the task, having no free slot: it did not run
   * @param seq the number of the worker's newest hello when the task left its running set: a hello up
   *     to this number was built before, and may still claim the task when it comes after this outcome
   */
  record Done(
      String member, String task, int delivery, JsonNode value, Map<String, Object> error, boolean rejected,
      long seq) {}

  /**
   * A task to drop.
   *
   * @param member the submitter
   * @param task the task id
   */
  record Cancel(String member, String task) {}
}
