package io.tailwater.capture.postgres;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;

/**
 * Debezium's own version of a class that capture ships a patched copy of, loaded from Debezium's
 * jar (child-first for that class and its nested classes only), to compare the copy against.
 */
final class DebeziumOriginal {
    private final Class<?> type;

    /** The original of {@code copied}, from the jar that holds {@code sameJar}. */
    DebeziumOriginal(Class<?> copied, Class<?> sameJar) {
        URL jar = sameJar.getProtectionDomain().getCodeSource().getLocation();
        String name = copied.getName();
        ClassLoader loader = new URLClassLoader(new URL[] {jar}, DebeziumOriginal.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String className, boolean resolve) throws ClassNotFoundException {
                if (!className.equals(name) && !className.startsWith(name + "$")) {
                    return super.loadClass(className, resolve);
                }
                synchronized (getClassLoadingLock(className)) {
                    Class<?> c = findLoadedClass(className);
                    return c != null ? c : findClass(className);
                }
            }
        };
        try {
            this.type = loader.loadClass(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(name + " is not in " + jar, e);
        }
        if (type.getProtectionDomain().getCodeSource().getLocation().equals(copied.getProtectionDomain().getCodeSource().getLocation())) {
            throw new IllegalStateException("loaded the copy of " + name + ", not Debezium's");
        }
    }

    /** Calls the original's static method {@code method} (or, with a receiver, an instance method). */
    Object call(Object receiver, String method, Class<?>[] types, Object... args) {
        try {
            Method m = (receiver == null ? type : receiver.getClass()).getMethod(method, types);
            m.setAccessible(true);
            return m.invoke(receiver, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
