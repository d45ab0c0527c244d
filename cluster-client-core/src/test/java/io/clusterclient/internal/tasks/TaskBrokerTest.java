package io.clusterclient.internal.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.clusterclient.internal.tasks.TaskChannel.Admit;
import io.clusterclient.internal.tasks.TaskChannel.Cancel;
import io.clusterclient.internal.tasks.TaskChannel.Claim;
import io.clusterclient.internal.tasks.TaskChannel.Done;
import io.clusterclient.internal.tasks.TaskChannel.Hello;
import io.clusterclient.internal.tasks.TaskChannel.Member;
import io.clusterclient.internal.tasks.TaskChannel.Push;
import io.clusterclient.internal.tasks.TaskChannel.Submit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The broker alone, with a hand-driven clock and scheduler: assignment, capacity, redelivery,
 * deadlines, the wait limit and the recovery after a leader change.
 */
@Timeout(10)
class TaskBrokerTest {
  private static final long DEADLINE = 1_000;

  /** Timers that run when the test says so. */
  private static final class ManualScheduler implements TaskBroker.Scheduler {
    final List<Timer> timers = new ArrayList<>();
    long now;

    record Timer(Runnable task, long at, boolean[] cancelled) {}

    @Override
    public Runnable schedule(Runnable task, long delayMillis) {
      Timer t = new Timer(task, now + delayMillis, new boolean[1]);
      timers.add(t);
      return () -> t.cancelled()[0] = true;
    }

    void advance(long millis) {
      now += millis;
      for (Timer t : new ArrayList<>(timers)) {
        if (t.at() <= now && !t.cancelled()[0]) {
          timers.remove(t);
          t.task().run();
        }
      }
    }
  }

  private final ManualScheduler scheduler = new ManualScheduler();

  private TaskBroker broker(int maxWaiting, int maxDeliveries, long recoveryWindow) {
    return new TaskBroker(
        new TaskBroker.Settings("q", maxWaiting, maxDeliveries, recoveryWindow),
        scheduler,
        () -> scheduler.now,
        () -> {},
        "local");
  }

  private static final class Probe {
    final String id;
    final List<Push> pushes = new CopyOnWriteArrayList<>();

    Probe(String id) {
      this.id = id;
    }

    List<Push> of(String kind) {
      return pushes.stream().filter(p -> p.kind().equals(kind)).toList();
    }

    List<String> tasks() {
      return of(TaskChannel.TASK).stream().map(Push::task).toList();
    }
  }

  private static Probe join(TaskBroker b, String id, int slots) {
    Probe p = new Probe(id);
    b.attach(new Member(id, 1), p.pushes::add);
    b.hello(new Hello(id, null, 1, slots, List.of(), null));
    return p;
  }

  private static Admit submit(TaskBroker b, String submitter, int n) {
    return b.submit(new Submit(submitter, submitter + "/" + n, JsonNodeFactory.instance.numberNode(n), DEADLINE, false))
        .join();
  }

  private static void done(TaskBroker b, Probe worker, String task, int delivery, String result) {
    b.done(new Done(worker.id, task, delivery, JsonNodeFactory.instance.textNode(result), null, false, 1));
  }

  @Test
  void eachTaskGoesToTheMemberWithTheMostFreeSlots() {
    TaskBroker b = broker(100, 5, 0);
    Probe submitter = join(b, "s", 0);
    Probe big = join(b, "big", 3);
    Probe small = join(b, "small", 1);
    for (int i = 1; i <= 4; i++) {
      submit(b, "s", i);
    }
    // big has 3 free, small 1: big, big (2 vs 1: still big), then a tie of 1 and 1, then the other.
    assertThat(big.tasks()).hasSize(3);
    assertThat(small.tasks()).hasSize(1);
    assertThat(submitter.tasks()).isEmpty(); // 0 slots: never a worker
    done(b, small, small.tasks().get(0), 1, "ok");
    submit(b, "s", 5);
    assertThat(small.tasks()).hasSize(2); // the only member with room
    assertThat(submitter.of(TaskChannel.RESULT)).extracting(Push::task).containsExactly(small.tasks().get(0));
  }

  @Test
  void aMemberNeverGetsMoreThanItsSlotsAndTheRestWait() {
    TaskBroker b = broker(100, 5, 0);
    join(b, "s", 0);
    Probe w = join(b, "w", 2);
    for (int i = 1; i <= 5; i++) {
      submit(b, "s", i);
    }
    assertThat(w.tasks()).containsExactly("s/1", "s/2");
    assertThat(b.status().join()).satisfies(st -> {
      assertThat(st.waiting()).isEqualTo(3);
      assertThat(st.running()).isEqualTo(2);
      assertThat(st.workers()).isEqualTo(1);
      assertThat(st.slots()).isEqualTo(2);
      assertThat(st.busySlots()).isEqualTo(2);
    });
    done(b, w, "s/1", 1, "r1");
    assertThat(w.tasks()).containsExactly("s/1", "s/2", "s/3");
    b.hello(new Hello("w", null, 2, 0, List.of(new Claim("s/2", 1), new Claim("s/3", 1)), null));
    done(b, w, "s/2", 1, "r2");
    assertThat(w.tasks()).hasSize(3); // stopped serving: nothing more
  }

  @Test
  void theTasksOfAWorkerThatLeavesGoToAnotherWithTheDeliveryCountRaised() {
    TaskBroker b = broker(100, 5, 0);
    Probe s = join(b, "s", 0);
    Probe a = join(b, "a", 1);
    submit(b, "s", 1);
    assertThat(a.tasks()).containsExactly("s/1");
    Probe c = join(b, "c", 1);
    b.detach(new Member("a", 1));
    assertThat(c.of(TaskChannel.TASK)).singleElement().satisfies(p -> {
      assertThat(p.task()).isEqualTo("s/1");
      assertThat(p.delivery()).isEqualTo(2);
    });
    done(b, c, "s/1", 2, "r");
    assertThat(s.of(TaskChannel.RESULT)).singleElement().extracting(Push::delivery).isEqualTo(2);
  }

  @Test
  void aWorkerPastItsDeadlineLosesTheTaskAndTheFirstOutcomeWins() {
    TaskBroker b = broker(100, 5, 0);
    Probe s = join(b, "s", 0);
    Probe slow = join(b, "slow", 1);
    submit(b, "s", 1);
    Probe fast = join(b, "fast", 1);
    scheduler.advance(DEADLINE);
    assertThat(fast.of(TaskChannel.TASK)).singleElement().extracting(Push::delivery).isEqualTo(2);
    submit(b, "s", 2);
    assertThat(slow.tasks()).containsExactly("s/1"); // still busy with the late one: no room
    done(b, slow, "s/1", 1, "late but first");
    done(b, fast, "s/1", 2, "second");
    assertThat(s.of(TaskChannel.RESULT)).singleElement().satisfies(p ->
        assertThat(p.value().asText()).isEqualTo("late but first"));
    assertThat(slow.tasks()).containsExactly("s/1", "s/2"); // free again
  }

  @Test
  void aTaskDeliveredTooOftenFailsWithTheReason() {
    TaskBroker b = broker(100, 2, 0);
    Probe s = join(b, "s", 0);
    join(b, "a", 1);
    submit(b, "s", 1);
    b.detach(new Member("a", 1));
    join(b, "c", 1);
    b.detach(new Member("c", 1));
    Push result = s.of(TaskChannel.RESULT).get(0);
    assertThat(result.error()).isNotNull();
    assertThat((String) result.error().get("message"))
        .contains("delivered 2 times", "left while running it", "maxDeliveries 2");
  }

  @Test
  void aFullWaitQueueRefusesNewTasksButNotResubmits() {
    TaskBroker b = broker(2, 5, 0);
    join(b, "s", 0);
    assertThat(submit(b, "s", 1).accepted()).isTrue();
    assertThat(submit(b, "s", 2).accepted()).isTrue();
    Admit refused = submit(b, "s", 3);
    assertThat(refused.accepted()).isFalse();
    assertThat(refused.waiting()).isEqualTo(2);
    assertThat(b.submit(new Submit("s", "s/4", JsonNodeFactory.instance.nullNode(), DEADLINE, true)).join().accepted())
        .isTrue();
  }

  @Test
  void afterALeaderChangeAClaimedTaskKeepsRunningAndAnUnclaimedOneWaitsForTheWindow() {
    TaskBroker b = broker(100, 5, 500);
    Probe s = join(b, "s", 0);
    Probe w = new Probe("w");
    b.attach(new Member("w", 2), w.pushes::add);
    // The survivor runs s/1; its submitter re-submits s/1 and s/2 (the latter's worker died).
    b.hello(new Hello("w", null, 1, 2, List.of(new Claim("s/1", 1)), null));
    b.submit(new Submit("s", "s/1", JsonNodeFactory.instance.numberNode(1), DEADLINE, true)).join();
    b.submit(new Submit("s", "s/2", JsonNodeFactory.instance.numberNode(2), DEADLINE, true)).join();
    assertThat(w.tasks()).isEmpty(); // s/1 is claimed, s/2 waits for the window
    scheduler.advance(500);
    assertThat(w.of(TaskChannel.TASK)).singleElement().satisfies(p -> {
      assertThat(p.task()).isEqualTo("s/2");
      assertThat(p.delivery()).isEqualTo(2); // it may have run
    });
    done(b, w, "s/1", 1, "one");
    assertThat(s.of(TaskChannel.RESULT)).extracting(Push::task).containsExactly("s/1");
  }

  @Test
  void anOutcomeThatCameBeforeItsResubmitAnswersItWithoutRunningAgain() {
    TaskBroker b = broker(100, 5, 500);
    Probe w = join(b, "w", 1);
    done(b, w, "s/7", 1, "seven"); // finished under the previous leader; the submitter is not back
    Probe s = join(b, "s", 0);
    assertThat(s.of(TaskChannel.RESULT)).singleElement().extracting(Push::task).isEqualTo("s/7");
    b.submit(new Submit("s", "s/7", JsonNodeFactory.instance.numberNode(7), DEADLINE, true)).join();
    scheduler.advance(500);
    assertThat(w.tasks()).isEmpty(); // completed: the late re-submit is dropped
  }

  @Test
  void aHelloBuiltBeforeATaskFinishedAndHeardAfterItsOutcomeLeavesTheSlotFree() {
    TaskBroker b = broker(100, 5, 0);
    join(b, "s", 0);
    Probe w = join(b, "w", 1); // its hello 1
    submit(b, "s", 1);
    assertThat(w.tasks()).containsExactly("s/1");
    // The worker builds hello 2 while s/1 runs (it claims it); s/1 then finishes, and its outcome,
    // which names hello 2 as the newest, overtakes the hello.
    b.done(new Done("w", "s/1", 1, JsonNodeFactory.instance.textNode("one"), null, false, 2));
    b.hello(new Hello("w", null, 2, 1, List.of(new Claim("s/1", 1)), null));
    assertThat(b.status().join().busySlots()).isZero();
    submit(b, "s", 2);
    assertThat(w.tasks()).containsExactly("s/1", "s/2");
    // A hello built after the outcome claims what really runs.
    b.done(new Done("w", "s/2", 1, JsonNodeFactory.instance.textNode("two"), null, false, 2));
    b.hello(new Hello("w", null, 3, 1, List.of(), null));
    submit(b, "s", 3);
    b.hello(new Hello("w", null, 4, 1, List.of(new Claim("s/3", 1)), null));
    assertThat(b.status().join().busySlots()).isEqualTo(1);
  }

  @Test
  void aHelloBuiltBeforeATaskWasRefusedAndHeardAfterTheRefusalDoesNotClaimIt() {
    TaskBroker b = broker(100, 5, 0);
    join(b, "s", 0);
    Probe w = join(b, "w", 1);
    Probe other = join(b, "o", 1);
    submit(b, "s", 1);
    submit(b, "s", 2);
    assertThat(w.tasks()).containsExactly("s/1");
    assertThat(other.tasks()).containsExactly("s/2");
    // w builds hello 2 with s/1 taken, then cannot run it (its pool shuts down) and refuses it
    b.done(new Done("w", "s/1", 1, null, null, true, 2));
    b.hello(new Hello("w", null, 2, 1, List.of(new Claim("s/1", 1)), null));
    // Not held as running on w, where nothing runs it: it is given out again (to w, which has a
    // free slot by its hello), as a push that w answers.
    assertThat(w.tasks()).containsExactly("s/1", "s/1");
  }

  @Test
  void aNewBrokerHearingAnOutcomeBeforeTheGreetingThatClaimsItAnswersItAndKeepsTheSlotFree() {
    TaskBroker b = broker(100, 5, 500);
    Probe s = join(b, "s", 0);
    Probe w = new Probe("w");
    b.attach(new Member("w", 1), w.pushes::add);
    // Greeted, the worker builds hello 5, which claims s/1; s/1 finishes before the hello leaves.
    b.done(new Done("w", "s/1", 1, JsonNodeFactory.instance.textNode("one"), null, false, 5));
    b.hello(new Hello("w", null, 5, 1, List.of(new Claim("s/1", 1)), null));
    b.submit(new Submit("s", "s/1", JsonNodeFactory.instance.numberNode(1), DEADLINE, true)).join();
    b.submit(new Submit("s", "s/2", JsonNodeFactory.instance.numberNode(2), DEADLINE, true)).join();
    scheduler.advance(500);
    assertThat(s.of(TaskChannel.RESULT)).extracting(Push::task).containsExactly("s/1");
    assertThat(w.tasks()).containsExactly("s/2");
  }

  @Test
  void aCancelledWaitingTaskNeverRunsAndALeavingSubmittersWaitingTasksAreDropped() {
    TaskBroker b = broker(100, 5, 0);
    join(b, "s", 0);
    join(b, "t", 0);
    submit(b, "s", 1);
    submit(b, "t", 1);
    submit(b, "t", 2);
    b.cancel(new Cancel("s", "s/1"));
    b.detach(new Member("t", 1));
    Probe w = join(b, "w", 5);
    assertThat(w.tasks()).isEmpty();
    assertThat(b.status().join()).extracting(st -> st.waiting() + st.recovering() + st.running()).isEqualTo(0);
  }

  @Test
  void recoveryEndsOnceEveryWorkerOfThePreviousLeaderHasClaimedItsTasks() {
    TaskBroker b = broker(100, 5, 60_000);
    Probe s = new Probe("s");
    b.attach(new Member("s", 1), s.pushes::add);
    b.submit(new Submit("s", "s/1", JsonNodeFactory.instance.numberNode(1), DEADLINE, true)).join();
    b.submit(new Submit("s", "s/2", JsonNodeFactory.instance.numberNode(2), DEADLINE, true)).join();
    Probe a = new Probe("a");
    b.attach(new Member("a", 2), a.pushes::add);
    // The old leader listed a and c as its workers; a runs s/1.
    b.hello(new Hello("a", null, 1, 3, List.of(new Claim("s/1", 1)), List.of("a", "c")));
    assertThat(a.tasks()).isEmpty(); // c may still claim s/2
    Probe c = new Probe("c");
    b.attach(new Member("c", 3), c.pushes::add);
    b.hello(new Hello("c", null, 1, 1, List.of(), List.of("a", "c")));
    // Everyone is back and s/2 is nobody's: it goes out at once, long before the window ends.
    assertThat(a.tasks()).containsExactly("s/2");
    assertThat(a.of(TaskChannel.TASK).get(0).delivery()).isEqualTo(2);
    // Every member hears the workers, without the broker's own process's member.
    join(b, "local", 4);
    assertThat(s.of(TaskChannel.WORKERS)).last().satisfies(p ->
        assertThat(p.value().toString()).isEqualTo("[\"a\",\"c\"]"));
  }

  @Test
  void aTaskPastItsDeadlineNeverGoesBackToTheMemberStillRunningIt() {
    TaskBroker b = broker(100, 5, 0);
    join(b, "s", 0);
    Probe w = join(b, "w", 2);
    submit(b, "s", 1);
    scheduler.advance(DEADLINE);
    // w has a free slot, but it runs s/1 still: the task waits for another worker.
    assertThat(w.tasks()).containsExactly("s/1");
    Probe other = join(b, "other", 1);
    assertThat(other.of(TaskChannel.TASK)).singleElement().extracting(Push::delivery).isEqualTo(2);
  }

  @Test
  void aRefusalOfAnotherDeliveryIsIgnoredAndARefusingMemberWaitsForItsHello() {
    TaskBroker b = broker(100, 5, 0);
    join(b, "s", 0);
    Probe w = join(b, "w", 2);
    submit(b, "s", 1);
    b.done(new Done("w", "s/1", 7, null, null, true, 1)); // not the delivery it holds: stale
    assertThat(b.status().join().busySlots()).isEqualTo(1);
    b.done(new Done("w", "s/1", 1, null, null, true, 1)); // it refuses the one it got
    assertThat(w.tasks()).containsExactly("s/1"); // not pushed to it again at once
    b.hello(new Hello("w", null, 2, 2, List.of(), null));
    assertThat(w.tasks()).containsExactly("s/1", "s/1");
    assertThat(w.of(TaskChannel.TASK).get(1).delivery()).isEqualTo(1); // a refusal is no delivery
  }

  @Test
  void aLateCallOfAMemberThatLeftDoesNotBringItBackAndAnOlderHelloIsIgnored() {
    TaskBroker b = broker(100, 5, 0);
    Probe s = join(b, "s", 0);
    join(b, "w", 2);
    b.detach(new Member("w", 1));
    b.hello(new Hello("w", null, 5, 4, List.of(), null)); // from its closing connection, served late
    submit(b, "s", 1);
    assertThat(b.status().join().workers()).isZero();
    Probe v = join(b, "v", 1);
    b.hello(new Hello("v", null, 3, 2, List.of(), null));
    b.hello(new Hello("v", null, 2, 0, List.of(), null)); // older: overtaken, ignored
    assertThat(b.status().join().slots()).isEqualTo(2);
    assertThat(v.tasks()).containsExactly("s/1");
    assertThat(s.of(TaskChannel.WORKERS)).last().satisfies(p -> assertThat(p.value().toString()).isEqualTo("[\"v\"]"));
  }

  @Test
  void aHelloMeantForAnotherBrokerIsRefusedSoThatItsMemberSendsItAgain() {
    TaskBroker b = broker(100, 5, 0);
    join(b, "w", 1);
    assertThat(b.hello(new Hello("w", "another", 2, 3, List.of(), null))).isCompletedExceptionally();
    assertThat(b.status().join().slots()).isEqualTo(1);
    assertThat(b.hello(new Hello("w", b.id(), 3, 3, List.of(), null))).isNotCompletedExceptionally();
    assertThat(b.status().join().slots()).isEqualTo(3);
  }
}
