package io.clusterclient.internal.codec;

import io.clusterclient.ClusterCodecException;
import io.clusterclient.ClusterException;
import io.clusterclient.MessageTooLargeException;
import io.clusterclient.RemoteInvocationException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Errors on the wire: the original's {@code {stack, name, message, code}} object, plus a Java-only
 * {@code javaTypes} list (the class and its superclasses) that a Node.js peer ignores. Thread-safe.
 *
 * <p>Safety: a follower rebuilds a typed exception only when the type is one the called method
 * itself declares; a class name from the wire never chooses what is instantiated.
 */
public final class RemoteErrors {
  private static final Pattern FRAME =
      Pattern.compile("^\\s*at (?:[^/]+/)*([\\w$.<>]+)\\.([\\w$<>]+)\\((?:([^:)]+)(?::(\\d{1,9}))?)?\\)\\s*$");
  private static final int MAX_FRAMES = 256;

  private RemoteErrors() {}

  /**
   * Strips the wrappers that reflection and futures add around what the real client threw.
   *
   * @param t a throwable
   * @return the throwable the user's code threw
   */
  public static Throwable unwrap(Throwable t) {
    while ((t instanceof InvocationTargetException
            || t instanceof CompletionException
            || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * The wire form of an exception thrown on the leader.
   *
   * @param t the exception
   * @return a map with name, message, stack, code and javaTypes
   */
  public static Map<String, Object> encode(Throwable t) {
    Map<String, Object> error = new LinkedHashMap<>();
    StringWriter stack = new StringWriter();
    t.printStackTrace(new PrintWriter(stack));
    error.put("stack", stack.toString());
    error.put("name", t.getClass().getName());
    error.put("message", t.getMessage());
    String code = codeOf(t);
    if (code != null) {
      error.put("code", code);
    }
    List<String> types = new ArrayList<>();
    for (Class<?> c = t.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      types.add(c.getName());
    }
    error.put("javaTypes", types);
    return error;
  }

  /**
   * The wire form of an exception, its message and stack cut to fit a small packet.
   *
   * @param t the exception
   * @param maxChars at most this many characters of message and of stack each
   * @return a map with name, message, stack, code and javaTypes
   */
  public static Map<String, Object> encodeShort(Throwable t, int maxChars) {
    Map<String, Object> error = encode(t);
    for (String field : new String[] {"message", "stack"}) {
      Object v = error.get(field);
      int limit = Math.max(16, maxChars / 6); // 6: the longest escape of a character in JSON
      if (v instanceof String s && s.length() > limit) {
        error.put(field, s.substring(0, limit) + "... (cut: " + s.length() + " characters)");
      }
    }
    return error;
  }

  private static String codeOf(Throwable t) {
    if (t instanceof RemoteInvocationException) {
      return ((RemoteInvocationException) t).code();
    }
    for (String accessor : new String[] {"getCode", "code", "getErrorCode"}) {
      try {
        Method m = t.getClass().getMethod(accessor);
        if (m.getParameterCount() == 0 && m.getReturnType() != void.class) {
          Object value = m.invoke(t);
          return value == null ? null : String.valueOf(value);
        }
      } catch (ReflectiveOperationException | RuntimeException ignored) {
        // no such accessor, or it failed: no code
      }
    }
    return null;
  }

  /**
   * Rebuilds the exception a follower's caller sees.
   *
   * @param error the decoded wire object (a map), or anything else a peer sent
   * @param method the called method, whose declared exceptions may be rebuilt
   * @param context what failed where, for the message: {@code Registry.get(String) failed on leader pid 1}
   * @return a declared checked exception with the remote error as its cause, or a {@link
   *     RemoteInvocationException}
   */
  public static Throwable decode(Object error, Method method, String context) {
    Map<?, ?> map = error instanceof Map ? (Map<?, ?>) error : Map.of("message", String.valueOf(error));
    String name = string(map.get("name"), "Error");
    String message = string(map.get("message"), null);
    String code = map.get("code") == null ? null : String.valueOf(map.get("code"));
    String stack = string(map.get("stack"), null);
    RemoteInvocationException remote = remote(context, name, message, code, stack);
    if (stack != null) {
      remote.initCause(new RemoteStackTrace(name, message, stack));
    }
    List<String> types = new ArrayList<>();
    types.add(name);
    if (map.get("javaTypes") instanceof List) {
      for (Object o : (List<?>) map.get("javaTypes")) {
        types.add(String.valueOf(o));
      }
    }
    // The library's own failures on the leader, not the real client's: the same types as here.
    if (types.contains(ClusterCodecException.class.getName())) {
      return new ClusterCodecException(context + ": " + message, remote);
    }
    if (types.contains(MessageTooLargeException.class.getName())) {
      return new MessageTooLargeException(context + ": " + message);
    }
    if (method != null) {
      for (String typeName : types) {
        for (Class<?> declared : method.getExceptionTypes()) {
          if (declared.getName().equals(typeName)) {
            Throwable rebuilt = instantiate(declared, message, remote);
            if (rebuilt != null) {
              return rebuilt;
            }
          }
        }
      }
    }
    return remote;
  }

  private static RemoteInvocationException remote(
      String context, String name, String message, String code, String stack) {
    return new RemoteInvocationException(
        context + ": " + name + (message == null ? "" : ": " + message)
            + (code == null ? "" : " (code " + code + ")"),
        name,
        message,
        code,
        stack);
  }

  /**
   * What a follower's caller would get for an exception the real client threw, for a caller in the
   * leader's own process: the exception itself when a follower would rebuild it (the method
   * declares its type, which has a constructor taking a message), else a {@link
   * RemoteInvocationException} of the same text as a follower's, with the exception as its cause.
   *
   * @param t what the real client threw, unwrapped
   * @param method the called method
   * @param context what failed where, for the message
   * @return the exception to throw
   */
  public static Throwable asFollowerSees(Throwable t, Method method, String context) {
    if (t instanceof VirtualMachineError) {
      return t; // out of memory, stack overflow: this JVM's trouble, never dressed as the client's
    }
    // As decode does: the most specific class of t's hierarchy that the method declares, built
    // with a message; t itself when that is its own class.
    for (Class<?> c = t.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Class<?> declared : method.getExceptionTypes()) {
        if (declared == c) {
          if (declared == t.getClass()) {
            try {
              declared.getConstructor(String.class);
              return t;
            } catch (NoSuchMethodException e) {
              continue; // a follower could not rebuild it either
            }
          }
          Throwable rebuilt = instantiate(declared, t.getMessage(), t);
          if (rebuilt != null) {
            return rebuilt;
          }
        }
      }
    }
    StringWriter stack = new StringWriter();
    t.printStackTrace(new PrintWriter(stack));
    RemoteInvocationException remote =
        remote(context, t.getClass().getName(), t.getMessage(), codeOf(t), stack.toString());
    remote.initCause(t);
    return remote;
  }

  private static Throwable instantiate(Class<?> declared, String message, Throwable cause) {
    try {
      Constructor<?> c = declared.getConstructor(String.class);
      Throwable t = (Throwable) c.newInstance(message);
      if (t.getCause() == null) {
        t.initCause(cause);
      }
      return t;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static String string(Object o, String dflt) {
    return o == null ? dflt : String.valueOf(o);
  }

  /**
   * The leader's stack trace, parsed back into frames so that logs print it like a local cause.
   */
  static final class RemoteStackTrace extends ClusterException {
    private static final long serialVersionUID = 1L;

    RemoteStackTrace(String name, String message, String stack) {
      super("[remote] " + name + (message == null ? "" : ": " + message));
      List<StackTraceElement> frames = new ArrayList<>();
      for (String line : stack.split("\n")) {
        if (frames.size() >= MAX_FRAMES) {
          break;
        }
        Matcher m = FRAME.matcher(line);
        if (m.matches()) {
          int lineNumber = m.group(4) == null ? -1 : Integer.parseInt(m.group(4));
          frames.add(new StackTraceElement(m.group(1), m.group(2), m.group(3), lineNumber));
        }
      }
      setStackTrace(frames.toArray(new StackTraceElement[0]));
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
