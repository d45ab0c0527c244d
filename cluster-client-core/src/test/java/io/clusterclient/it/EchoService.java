package io.clusterclient.it;

import io.clusterclient.Delegate;
import io.clusterclient.DelegateType;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The client type of the cluster tests: a little of every invoke style. */
public interface EchoService {
  @Delegate
  String echo(String value);

  /** Auto-delegated: returns a future. */
  CompletableFuture<Integer> add(int a, int b);

  /** Auto-delegated: a future that is already complete when the real method returns. */
  CompletableFuture<String> done(String value);

  /** Auto-delegated: a minimal stage, which refuses isDone, join and the like. */
  CompletionStage<String> staged(String value);

  @Delegate(DelegateType.INVOKE_ONEWAY)
  void record(String event);

  @Delegate
  List<String> recorded();

  @Delegate
  String slow(int millis);

  @Delegate
  String fail(String message) throws EchoException;

  @Delegate
  String failCoded(String message, String code);

  @Delegate
  List<Map<String, Integer>> generic(List<Map<String, Integer>> in);

  @Delegate
  String overloaded(String a);

  @Delegate
  String overloaded(String a, int b);

  @Delegate
  String overloaded(int a);

  @Delegate
  byte[] bytes(byte[] in);

  /** Which real client served: name and pid of the leader. */
  @Delegate
  String whoami();

  /** Not delegated: must fail on every process. */
  String local();
}
