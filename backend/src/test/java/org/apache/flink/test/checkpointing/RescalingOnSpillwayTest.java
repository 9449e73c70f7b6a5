package org.apache.flink.test.checkpointing;

import dev.spillway.backend.SpillwayStateBackendFactory;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Flink's {@link RescalingITCase} on Spillway: keyed state rescaled in and out through savepoints
 * (with explicit and derived max parallelism), and a keyed operator with non-partitioned state that
 * must refuse to rescale. The base's six operator-state cases are skipped: Spillway hands operator
 * state to Flink's own {@code DefaultOperatorStateBackend}, so they would test Flink's code, at
 * about 4 s each on the two shared cores.
 *
 * <p>The base runs once per backend name of its own parameter list ({@code hashmap}, {@code
 * rocksdb}) and builds its cluster configuration in its set-up, with no hook; the interceptor below
 * gives the set-up Spillway's factory name in place of {@code rocksdb}, by setting the base's
 * private parameter field (its name is checked, so a renamed field fails loudly), and skips the
 * {@code hashmap} run, which would repeat it.
 */
@ExtendWith(RescalingOnSpillwayTest.OnSpillway.class)
class RescalingOnSpillwayTest extends RescalingITCase {

    static final class OnSpillway implements InvocationInterceptor {
        @Override
        public void interceptBeforeEachMethod(
                Invocation<Void> invocation,
                ReflectiveInvocationContext<Method> context,
                ExtensionContext extensionContext)
                throws Throwable {
            if (isOperatorStateCase(extensionContext)) {
                invocation.skip();
                Assumptions.abort(
                        "operator state goes to Flink's DefaultOperatorStateBackend, not Spillway");
            }
            Field backend = RescalingITCase.class.getDeclaredField("backend");
            backend.setAccessible(true);
            Object test = extensionContext.getRequiredTestInstance();
            if ("hashmap".equals(backend.get(test))) {
                invocation.skip();
                Assumptions.abort("The base's hashmap run would repeat its run on Spillway");
            }
            backend.set(test, SpillwayStateBackendFactory.class.getName());
            invocation.proceed();
        }

        private static boolean isOperatorStateCase(ExtensionContext extensionContext) {
            String name = extensionContext.getRequiredTestMethod().getName();
            return name.endsWith("OperatorState") || name.endsWith("OperatorStateList");
        }
    }
}
