package io.clusterclient.internal.codec;

import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.DelegateType;
import io.clusterclient.internal.proxy.MethodInfo;
import io.clusterclient.internal.proxy.MethodTable;
import java.lang.reflect.Type;

/**
 * Checks, when a client is created, every type the codec will write and read for it: parameters
 * and results of the calls, values pushed to listeners. A type the codec cannot read back then fails
 * {@code create} in every process, with the method named, instead of a follower's first call.
 */
public final class TypeChecks {
  private TypeChecks() {}

  /**
   * Checks the types of every delegated method.
   *
   * @param table the client's methods
   * @param codec the codec its values go through
   * @throws ClusterConfigurationException naming the method, the type and the fix
   */
  public static void check(MethodTable table, ClusterCodec codec) {
    check(table, codec, true);
  }

  /**
   * Checks the types of every delegated method, unless no value of the client ever goes through
   * the codec: in single mode without {@code codecOnLeader}.
   *
   * @param table the client's methods
   * @param codec the codec its values go through
   * @param options the client's options
   * @throws ClusterConfigurationException naming the method, the type and the fix
   */
  public static void check(MethodTable table, ClusterCodec codec, io.clusterclient.ClusterOptions options) {
    check(table, codec, !options.singleMode() || options.codecOnLeader());
  }

  private static void check(MethodTable table, ClusterCodec codec, boolean travels) {
    if (!travels) {
      return;
    }
    for (MethodInfo info : table.all()) {
      if (!info.isDelegated() || info.isOverridden()) {
        continue;
      }
      DelegateType kind = info.kind();
      if (kind.isInvoke()) {
        Type[] parameters = info.parameterTypes();
        for (int i = 0; i < parameters.length; i++) {
          check(codec, parameters[i], info, "parameter " + (i + 1));
        }
        check(codec, info.resultType(), info, "result");
      } else if (info.listener() != null) {
        check(codec, info.listener().valueType(), info, "listener's value");
      }
    }
  }

  private static void check(ClusterCodec codec, Type type, MethodInfo info, String what) {
    try {
      codec.check(type);
    } catch (IllegalArgumentException e) {
      throw new ClusterConfigurationException(
          "the " + what + " of " + info.description() + " cannot travel between processes: "
              + e.getMessage(),
          e);
    }
  }
}
