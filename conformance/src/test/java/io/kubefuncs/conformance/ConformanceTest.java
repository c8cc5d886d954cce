package io.kubefuncs.conformance;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test that runs once against each broker, taking it as a {@link Broker} parameter; the broker's
 * name ends the test's display name, e.g. {@code publishes [dev broker]}.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@TestTemplate
@ExtendWith(EachBroker.class)
@interface ConformanceTest {}
